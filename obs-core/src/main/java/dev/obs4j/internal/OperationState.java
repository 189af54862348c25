/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
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

  private final Span span;
  private final Map<String, String> fields = new ConcurrentHashMap<>(4);
  private volatile @Nullable String route;

  public OperationState(Span span) {
    this.span = span;
  }

  public static @Nullable OperationState fromContext(Context context) {
    return context.get(KEY);
  }

  public static @Nullable OperationState current() {
    return Context.current().get(KEY);
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

  /** Business fields by their log (MDC) and baggage name, e.g. {@code user.id}. */
  public Map<String, String> fields() {
    return fields;
  }

  /** Adds a field unless MAX_FIELDS are set already; returns whether it is set. */
  public boolean putField(String name, String value) {
    if (fields.size() >= MAX_FIELDS && !fields.containsKey(name)) {
      return false;
    }
    fields.put(name, value);
    return true;
  }
}
