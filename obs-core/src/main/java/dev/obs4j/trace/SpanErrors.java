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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
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
    record(span, error, null);
  }

  /**
   * As {@link #record(Span, Throwable)}, with every message that reaches the span (the status description,
   * the event's message and stack trace) first passed through {@code filter}, such as one that removes the
   * literals of the statement that failed, then masked; never throws.
   */
  public static void record(Span span, Throwable error, @Nullable UnaryOperator<String> filter) {
    try {
      Throwable cause = unwrap(error);
      String message = cause.getMessage();
      span.setStatus(StatusCode.ERROR, message == null ? "" : Secrets.mask(filtered(message, filter)));
      span.setAttribute(ERROR_TYPE, cause.getClass().getName());
      recordException(span, cause, filter);
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
    recordException(span, error, null);
  }

  /**
   * As {@link #recordException(Span, Throwable)}, with the event's message and stack trace first passed
   * through {@code filter}, then masked; never throws.
   */
  public static void recordException(Span span, Throwable error, @Nullable UnaryOperator<String> filter) {
    try {
      if (!span.isRecording()) {
        return; // nothing to render the message and stack trace for
      }
      Throwable cause = unwrap(error);
      if (filter != null) {
        String message = cause.getMessage();
        StringWriter trace = new StringWriter();
        try (PrintWriter writer = new PrintWriter(trace)) {
          cause.printStackTrace(writer);
        }
        span.recordException(cause, Attributes.of(
            EXCEPTION_MESSAGE, message == null ? "" : Secrets.mask(filter.apply(message)),
            EXCEPTION_STACKTRACE, Secrets.mask(filter.apply(trace.toString()))));
      } else if (MaskedThrowable.holdsSecret(cause)) {
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

  private static String filtered(String message, @Nullable UnaryOperator<String> filter) {
    return filter == null ? message : filter.apply(message);
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
