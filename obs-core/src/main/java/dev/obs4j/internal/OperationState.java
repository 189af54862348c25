/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. What handler code may still change about the operation (a server request,
 * a consumed message) it runs in: the route template and the business fields (user id ...), which go to
 * the operation's span, to the log context and, through baggage, to downstream services. Kept in the
 * operation's {@link Context}; bounded by the fields handler code sets.
 */
public final class OperationState {
  private static final ContextKey<OperationState> KEY = ContextKey.named("obs4j-operation");
  private static final int MAX_FIELDS = 32;
  /** The operation whose scope this thread opened (and whose fields it may put in the MDC), if any. */
  private static final ThreadLocal<@Nullable OperationState> MDC_OWNER = new ThreadLocal<>();

  private final Span span;
  private final String service;
  private final List<String> contextFields;
  /** Made on the first field: most requests set none, and the map was a tenth of an unsampled request's garbage. */
  private volatile @Nullable Map<String, String> fields;
  private volatile @Nullable String route;

  public OperationState(Span span, String service, List<String> contextFields) {
    this.span = span;
    this.service = service;
    this.contextFields = contextFields;
  }

  /** The service name of the {@code Obs} that started this operation: log lines inside carry it. */
  public String service() {
    return service;
  }

  /** The names of the business fields this service carries ({@code OBS4J_CONTEXT_FIELDS}). */
  public List<String> contextFields() {
    return contextFields;
  }

  public static @Nullable OperationState fromContext(Context context) {
    return context.get(KEY);
  }

  public static @Nullable OperationState current() {
    return Context.current().get(KEY);
  }

  /**
   * Whether this thread opened this operation's scope ({@code Operation.makeCurrent}, or a task wrapped by
   * {@code ObsContext.wrap} running here), whose closing removes the fields from the MDC. Another thread
   * that merely runs in the operation's context (a task handed over without the wrapper) must not write
   * the MDC: nothing would remove the fields, and its next task would log this request's user.
   */
  public boolean ownsMdcOfThisThread() {
    return MDC_OWNER.get() == this;
  }

  /** Marks this thread's MDC as this operation's until the returned previous owner is restored. */
  public @Nullable OperationState claimMdc() {
    OperationState previous = MDC_OWNER.get();
    MDC_OWNER.set(this);
    return previous;
  }

  /**
   * Gives the MDC back to {@code previous} (the result of {@link #claimMdc}). Set to null rather than removed:
   * a removed value is made again by the next request's {@code get}, a map entry per request (issue 24); the
   * entry left holds no operation, only the thread's null.
   */
  public static void releaseMdc(@Nullable OperationState previous) {
    MDC_OWNER.set(previous);
  }

  public Context storeIn(Context context) {
    return context.with(KEY, this);
  }

  /** The operation's own span (the server or consumer span), not whatever nested span is current. */
  public Span span() {
    return span;
  }

  public @Nullable String route() {
    return route;
  }

  public void route(String route) {
    this.route = route;
  }

  /** Business fields by their log (MDC) and baggage name, e.g. {@code user.id}; read-only, empty when none. */
  public Map<String, String> fields() {
    Map<String, String> set = fields;
    return set == null ? Map.of() : Collections.unmodifiableMap(set);
  }

  /** Adds a field unless MAX_FIELDS are set already; returns whether it is set. */
  public boolean putField(String name, String value) {
    Map<String, String> set = fields;
    if (set == null) {
      synchronized (this) {
        set = fields;
        if (set == null) {
          set = new ConcurrentHashMap<>(4);
          fields = set;
        }
      }
    }
    if (set.size() >= MAX_FIELDS && !set.containsKey(name)) {
      return false;
    }
    set.put(name, value);
    return true;
  }
}
