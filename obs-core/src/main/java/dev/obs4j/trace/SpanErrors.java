/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import dev.obs4j.Secrets;
import dev.obs4j.internal.MaskedThrowable;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Records an error on a span the same way everywhere in obs4j: status {@code ERROR} with the exception's
 * message, an {@code exception} event (type, message, stack trace), and the {@code error.type} attribute.
 * The Jaeger exporter adds the {@code error=true} tag that Jaeger's UI searches for to every span whose
 * status is {@code ERROR}.
 *
 * <pre>{@code
 * try {
 *   work();
 * } catch (IOException e) {
 *   SpanErrors.record(Span.current(), e);
 *   throw e;
 * }
 * }</pre>
 */
public final class SpanErrors {
  /** Semantic-convention attribute for the class of error that ended an operation. */
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final AttributeKey<String> EXCEPTION_MESSAGE = AttributeKey.stringKey("exception.message");
  private static final AttributeKey<String> EXCEPTION_STACKTRACE = AttributeKey.stringKey("exception.stacktrace");

  private SpanErrors() {}

  /** Marks {@code span} as failed by {@code error}; never throws. */
  public static void record(Span span, Throwable error) {
    try {
      Throwable cause = unwrap(error);
      String message = cause.getMessage();
      span.setStatus(StatusCode.ERROR, message == null ? "" : Secrets.mask(message)); // never the string "null"
      span.setAttribute(ERROR_TYPE, cause.getClass().getName());
      recordException(span, cause);
    } catch (RuntimeException ignored) {
      // Never fail the caller because of tracing.
    }
  }

  /**
   * Adds the {@code exception} event for {@code error} (unwrapped as {@link #unwrap} does) to {@code span},
   * with a secret that its message or stack trace quotes (a JDBC URL's password, a token) masked by
   * {@link Secrets#mask}; never throws.
   */
  public static void recordException(Span span, Throwable error) {
    try {
      Throwable cause = unwrap(error);
      if (MaskedThrowable.holdsSecret(cause)) {
        String message = cause.getMessage();
        span.recordException(cause, Attributes.of(
            EXCEPTION_MESSAGE, message == null ? "" : Secrets.mask(message),
            EXCEPTION_STACKTRACE, MaskedThrowable.maskedStackTrace(cause)));
      } else {
        span.recordException(cause);
      }
    } catch (RuntimeException ignored) {
      // Never fail the caller because of tracing.
    }
  }

  /** Marks {@code span} as failed without an exception, e.g. for an HTTP 500 response. */
  public static void record(Span span, String errorType, @Nullable String description) {
    span.setStatus(StatusCode.ERROR, description == null ? "" : description);
    span.setAttribute(ERROR_TYPE, errorType);
  }

  /** The exception behind the wrappers that futures and reflection add. */
  public static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException
            || t instanceof ExecutionException
            || t instanceof InvocationTargetException
            || t instanceof UndeclaredThrowableException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
