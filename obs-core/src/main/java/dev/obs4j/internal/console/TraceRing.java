/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The last {@code capacity} sampled spans this service ended, for the console:
 * a fixed ring that the ending thread writes one slot of (no lock, no queue, no allocation beyond the span's
 * data), the oldest span overwritten and counted in {@code obs4j.console.spans.evicted}. Spans are grouped
 * into traces only when the page is read.
 */
public final class TraceRing implements SpanProcessor {
  private final AtomicReferenceArray<SpanData> slots;
  private final AtomicLong next = new AtomicLong();
  private final Counter evicted;

  /** A ring of {@code capacity} spans (at least 1) whose evictions are counted in {@code registry}. */
  public TraceRing(int capacity, MeterRegistry registry) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.slots = new AtomicReferenceArray<>(capacity);
    this.evicted =
        Counter.builder("obs4j.console.spans.evicted")
            .description("Spans the console's ring overwrote to make room for newer ones")
            .register(registry);
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (!span.getSpanContext().isSampled()) {
      return;
    }
    SpanData data = span.toSpanData();
    int slot = (int) Math.floorMod(next.getAndIncrement(), (long) slots.length());
    if (slots.getAndSet(slot, data) != null) {
      evicted.increment();
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }

  /** How many spans the ring holds at most. */
  public int capacity() {
    return slots.length();
  }

  /** The traces whose spans are in the ring, the one that ended last first; at most {@code max}. */
  public List<Trace> traces(int max) {
    Map<String, List<SpanData>> byTrace = new LinkedHashMap<>();
    for (int i = 0; i < slots.length(); i++) {
      SpanData span = slots.get(i);
      if (span != null) {
        byTrace.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>()).add(span);
      }
    }
    List<Trace> traces = new ArrayList<>(byTrace.size());
    byTrace.forEach((id, spans) -> traces.add(new Trace(id, spans)));
    traces.sort(Comparator.comparingLong(Trace::endNanos).reversed());
    return traces.size() > max ? List.copyOf(traces.subList(0, max)) : traces;
  }

  /** The trace {@code traceId} as far as its spans are in the ring, or null when none is. */
  public @Nullable Trace trace(String traceId) {
    List<SpanData> spans = new ArrayList<>();
    for (int i = 0; i < slots.length(); i++) {
      SpanData span = slots.get(i);
      if (span != null && span.getTraceId().equals(traceId)) {
        spans.add(span);
      }
    }
    return spans.isEmpty() ? null : new Trace(traceId, spans);
  }
}
