/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Reads trace context in every accepted format with a fixed precedence,
 * instead of OpenTelemetry's composite, where the last propagator that finds a parent wins and each
 * baggage propagator replaces the baggage before it. The parent is the first valid one of the trace
 * formats in the order given (obs4j: {@code traceparent}, then {@code uber-trace-id}, then B3); baggage is
 * merged: the entries of every baggage format are kept, W3C {@code baggage} winning a key that two formats
 * carry. Extract only: injecting is the configured composite's job.
 */
public final class ExtractingPropagator implements TextMapPropagator {
  private final List<TextMapPropagator> traceFormats;
  private final List<TextMapPropagator> baggageFormats;
  private final Set<String> fields = new LinkedHashSet<>();

  /**
   * {@code traceFormats} in order of precedence; {@code baggageFormats} from the least to the most trusted
   * (later ones win a key). A propagator may be in both lists (Jaeger carries both).
   */
  public ExtractingPropagator(List<TextMapPropagator> traceFormats, List<TextMapPropagator> baggageFormats) {
    this.traceFormats = List.copyOf(traceFormats);
    this.baggageFormats = List.copyOf(baggageFormats);
    traceFormats.forEach(p -> fields.addAll(p.fields()));
    baggageFormats.forEach(p -> fields.addAll(p.fields()));
  }

  @Override
  public Collection<String> fields() {
    return fields;
  }

  @Override
  public <C> void inject(Context context, @Nullable C carrier, TextMapSetter<C> setter) {
    // extract only
  }

  @Override
  public <C> Context extract(Context context, @Nullable C carrier, TextMapGetter<C> getter) {
    Context result = context;
    for (TextMapPropagator format : traceFormats) {
      SpanContext parent = Span.fromContext(format.extract(Context.root(), carrier, getter)).getSpanContext();
      if (parent.isValid()) {
        result = result.with(Span.wrap(parent));
        break;
      }
    }
    List<Baggage> found = new ArrayList<>(baggageFormats.size());
    for (TextMapPropagator format : baggageFormats) {
      Baggage baggage = Baggage.fromContext(format.extract(Context.root(), carrier, getter));
      if (!baggage.isEmpty()) {
        found.add(baggage);
      }
    }
    if (!found.isEmpty()) {
      BaggageBuilder merged = Baggage.fromContext(context).toBuilder();
      for (Baggage baggage : found) {
        baggage.forEach((key, entry) -> merged.put(key, entry.getValue(), entry.getMetadata()));
      }
      result = result.with(merged.build());
    }
    return result;
  }

  @Override
  public String toString() {
    return "ExtractingPropagator" + fields;
  }
}
