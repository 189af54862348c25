/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.instrument;

import dev.obs4j.internal.OperationState;
import dev.obs4j.internal.logs.LogCorrelation;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * One operation in flight (an HTTP request served or sent, a statement, a message published or handled),
 * started and ended by {@link Operations}. Integrations keep it between their start and end hooks.
 */
public final class Operation {
  private final Span span;
  private final Context context;
  private final long startNanos;
  private final @Nullable OperationState state;

  Operation(Span span, Context context, long startNanos, @Nullable OperationState state) {
    this.span = span;
    this.context = context;
    this.startNanos = startNanos;
    this.state = state;
  }

  /** The operation's span. */
  public Span span() {
    return span;
  }

  /** The context holding the span (and, for server and consumer operations, its business fields). */
  public Context context() {
    return context;
  }

  /** The trace id, or an all-zero id when tracing is off. */
  public String traceId() {
    return span.getSpanContext().getTraceId();
  }

  /** Nanoseconds since the operation started. */
  public long elapsedNanos() {
    return System.nanoTime() - startNanos;
  }

  /** The route template that handler code set with {@code ObsContext.setRoute}, if any. */
  public @Nullable String routeFromHandler() {
    OperationState s = state;
    return s == null ? null : s.route();
  }



  /**
   * Makes the operation current for the handler: spans nest under it, log lines carry its trace id and its
   * business fields. Closing the scope restores the log context as it was.
   */
  public Scope makeCurrent() {
    Scope scope = LogCorrelation.makeCurrent(context);
    OperationState s = state;
    if (s == null) {
      return scope;
    }
    // Fields go into the MDC only on the thread that opened the scope, and leave with it; set while it is
    // open, they are removed too. Other threads running in this context get them from the log4j2 provider.
    OperationState owner = s.claimMdc();
    Map<String, String> fields = s.fields();
    if (fields.isEmpty()) {
      return new FieldsScope(scope, s, owner, Map.of());
    }
    Map<String, @Nullable String> previous = new HashMap<>(fields.size() + 2);
    fields.forEach(
        (name, value) -> {
          previous.put(name, MDC.get(name));
          MDC.put(name, value);
        });
    return new FieldsScope(scope, s, owner, previous);
  }

  /** Restores the MDC fields the operation set (or that were set while it was current), then the context. */
  private static final class FieldsScope implements Scope {
    private final Scope scope;
    private final OperationState state;
    private final @Nullable OperationState owner;
    private final Map<String, @Nullable String> previous;

    FieldsScope(
        Scope scope, OperationState state, @Nullable OperationState owner, Map<String, @Nullable String> previous) {
      this.scope = scope;
      this.state = state;
      this.owner = owner;
      this.previous = previous;
    }

    @Override
    public void close() {
      Map<String, String> fields = state.fields(); // read again: a field may have been set meanwhile
      if (!fields.isEmpty()) {
        for (String name : fields.keySet()) {
          String before = previous.get(name);
          if (before == null) {
            MDC.remove(name);
          } else {
            MDC.put(name, before);
          }
        }
      }
      OperationState.releaseMdc(owner);
      scope.close();
    }
  }

}
