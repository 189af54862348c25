/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import dev.obs4j.Obs;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** An Obs whose spans land in memory, synchronously, for strict assertions. */
public final class SpanRecorder implements AutoCloseable {
  public final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  public final Obs obs;

  public SpanRecorder(Obs.Builder builder) {
    this.obs = builder.addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  }

  public static SpanRecorder create() {
    return new SpanRecorder(TestObs.builder("test-service"));
  }

  public List<SpanData> spans() {
    return exporter.getFinishedSpanItems();
  }

  public Map<String, SpanData> byName() {
    return spans().stream().collect(Collectors.toMap(SpanData::getName, Function.identity()));
  }

  public SpanData only() {
    List<SpanData> spans = spans();
    if (spans.size() != 1) {
      throw new AssertionError("expected one span, got " + spans);
    }
    return spans.get(0);
  }

  @Override
  public void close() {
    obs.close();
  }
}
