/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.logs;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Internal, not for public use. Puts the current span's ids into the SLF4J MDC ({@code trace_id},
 * {@code span_id}, {@code trace_flags}) whenever a context is made current, and restores the previous
 * values when its scope closes, so that any SLF4J backend writes them with every line.
 */
public final class MdcContextStorage implements ContextStorage {
  public static final String TRACE_ID = "trace_id";
  public static final String SPAN_ID = "span_id";
  public static final String TRACE_FLAGS = "trace_flags";
  public static final String SERVICE_NAME = "service.name";

  /** Marks the context {@code LogCorrelation} attaches to find out whether this wrapper is in place. */
  static final ContextKey<Boolean> PROBE = ContextKey.named("obs4j-mdc-probe");

  private static volatile boolean probed;

  private final ContextStorage delegate;

  public MdcContextStorage(ContextStorage delegate) {
    this.delegate = delegate;
  }

  @Override
  public Scope attach(Context toAttach) {
    if (toAttach.get(PROBE) != null) {
      probed = true;
    }
    return withMdc(delegate.attach(toAttach), toAttach);
  }

  /** Whether a context carrying {@link #PROBE} went through this wrapper. */
  static boolean probed() {
    return probed;
  }

  /** Puts {@code attached}'s span ids in the MDC; the returned scope restores them, then closes {@code scope}. */
  static Scope withMdc(Scope scope, Context attached) {
    String service = LogCorrelation.serviceOf(attached);
    String previousService = MDC.get(SERVICE_NAME);
    if (service != null && !service.equals(previousService)) {
      MDC.put(SERVICE_NAME, service);
      Scope inner = withSpanIds(scope, attached);
      return () -> {
        inner.close();
        restore(SERVICE_NAME, previousService);
      };
    }
    return withSpanIds(scope, attached);
  }

  private static Scope withSpanIds(Scope scope, Context attached) {
    SpanContext next = Span.fromContext(attached).getSpanContext();
    String previousTrace = MDC.get(TRACE_ID);
    String previousSpan = MDC.get(SPAN_ID);
    String previousFlags = MDC.get(TRACE_FLAGS);
    if (next.isValid()) {
      if (next.getSpanId().equals(previousSpan) && next.getTraceId().equals(previousTrace)) {
        return scope; // same span made current again: nothing to change
      }
      MDC.put(TRACE_ID, next.getTraceId());
      MDC.put(SPAN_ID, next.getSpanId());
      MDC.put(TRACE_FLAGS, next.getTraceFlags().asHex());
    } else if (previousTrace == null) {
      return scope;
    } else {
      MDC.remove(TRACE_ID);
      MDC.remove(SPAN_ID);
      MDC.remove(TRACE_FLAGS);
    }
    return () -> {
      scope.close();
      restore(TRACE_ID, previousTrace);
      restore(SPAN_ID, previousSpan);
      restore(TRACE_FLAGS, previousFlags);
    };
  }

  private static void restore(String key, @Nullable String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }

  @Override
  public @Nullable Context current() {
    return delegate.current();
  }

  @Override
  public Context root() {
    return delegate.root();
  }
}
