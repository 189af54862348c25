/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Tells the Prometheus client which trace is current, so that histogram
 * buckets and counters carry the trace id and span id of a sampled span as an exemplar.
 */
public final class OtelExemplarContext implements io.prometheus.metrics.tracer.common.SpanContext {
  @Override
  public @Nullable String getCurrentTraceId() {
    SpanContext context = Span.current().getSpanContext();
    return context.isValid() ? context.getTraceId() : null;
  }

  @Override
  public @Nullable String getCurrentSpanId() {
    SpanContext context = Span.current().getSpanContext();
    return context.isValid() ? context.getSpanId() : null;
  }

  @Override
  public boolean isCurrentSpanSampled() {
    return Span.current().getSpanContext().isSampled();
  }

  @Override
  public void markCurrentSpanAsExemplar() {
    // Every sampled span is exported already; nothing to mark.
  }
}
