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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The last sampled spans this service ended, for the console: a fixed ring of
 * {@code capacity} slots that the ending thread writes one of (no lock, no queue), bounded twice: by the
 * number of spans and by their bytes. Every value is cut as the span is copied in ({@link ViewSpan#of}), and
 * when the spans held pass {@code maxBytes} the oldest are let go until they fit. Every span let go to make
 * room is counted in {@code obs4j.console.spans.evicted}. Spans are grouped into traces only when a page is
 * read.
 */
public final class TraceRing implements SpanProcessor {
  /** What the ring holds of its spans at most by default: {@value} bytes (16 MiB). */
  public static final long DEFAULT_MAX_BYTES = 16L << 20;

  /** A span as the ring holds it. */
  private record Entry(String traceId, ViewSpan span, long bytes) {}

  private final AtomicReferenceArray<@Nullable Entry> slots;
  private final AtomicLong next = new AtomicLong();
  /** The bytes of the entries in the slots: every swap in or out of a slot adds or takes its entry's bytes. */
  private final AtomicLong bytes = new AtomicLong();
  /** Where the search for the oldest entry to let go starts. */
  private final AtomicLong oldest = new AtomicLong();
  private final long maxBytes;
  private final Counter evicted;

  /** A ring of {@code capacity} spans (at least 1) of at most {@link #DEFAULT_MAX_BYTES}. */
  public TraceRing(int capacity, MeterRegistry registry) {
    this(capacity, DEFAULT_MAX_BYTES, registry);
  }

  /** A ring of {@code capacity} spans (at least 1) of at most {@code maxBytes}, evictions counted in {@code registry}. */
  public TraceRing(int capacity, long maxBytes, MeterRegistry registry) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
    }
    this.slots = new AtomicReferenceArray<>(capacity);
    this.maxBytes = maxBytes;
    this.evicted =
        Counter.builder("obs4j.console.spans.evicted")
            .description("Spans the console's ring let go to make room for newer ones (by count or by bytes)")
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
    ViewSpan view = ViewSpan.of(span.toSpanData());
    Entry entry = new Entry(span.getSpanContext().getTraceId(), view, view.bytes());
    long sequence = next.getAndIncrement();
    Entry old = slots.getAndSet(slot(sequence), entry);
    long held = bytes.addAndGet(entry.bytes() - (old == null ? 0 : old.bytes()));
    if (old != null) {
      evicted.increment();
    }
    if (held > maxBytes) {
      letGoOldest(sequence);
    }
  }

  /**
   * Empties the oldest slots before {@code newest} until the ring's bytes fit. Each slot is emptied by a swap,
   * and only the entry the swap took out is subtracted, so the byte count stays exact when threads race here
   * or with a writer reusing the slot.
   */
  private void letGoOldest(long newest) {
    long from = Math.max(oldest.get(), newest - slots.length() + 1);
    long at = from;
    while (at < newest && bytes.get() > maxBytes) {
      Entry gone = slots.getAndSet(slot(at), null);
      if (gone != null) {
        bytes.addAndGet(-gone.bytes());
        evicted.increment();
      }
      at++;
    }
    oldest.accumulateAndGet(at, Math::max);
  }

  private int slot(long sequence) {
    return (int) Math.floorMod(sequence, (long) slots.length());
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

  /** The bytes the ring counts for the spans it holds (at most {@code maxBytes}, give or take one span). */
  public long bytes() {
    return bytes.get();
  }

  /** The traces whose spans are in the ring, the one that ended last first; at most {@code max}. */
  public List<Trace> traces(int max) {
    Map<String, List<ViewSpan>> byTrace = new LinkedHashMap<>();
    for (int i = 0; i < slots.length(); i++) {
      Entry entry = slots.get(i);
      if (entry != null) {
        byTrace.computeIfAbsent(entry.traceId(), id -> new ArrayList<>()).add(entry.span());
      }
    }
    List<Trace> traces = new ArrayList<>(byTrace.size());
    byTrace.forEach((id, spans) -> traces.add(new Trace(id, spans)));
    traces.sort(Comparator.comparingLong(Trace::endNanos).reversed());
    return traces.size() > max ? List.copyOf(traces.subList(0, max)) : traces;
  }

  /** The trace {@code traceId} as far as its spans are in the ring, or null when none is. */
  public @Nullable Trace trace(String traceId) {
    List<ViewSpan> spans = new ArrayList<>();
    for (int i = 0; i < slots.length(); i++) {
      Entry entry = slots.get(i);
      if (entry != null && entry.traceId().equals(traceId)) {
        spans.add(entry.span());
      }
    }
    return spans.isEmpty() ? null : new Trace(traceId, spans);
  }
}
