/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import dev.obs4j.Obs;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;

/** Test scaffolding around the documented snippets: an Obs whose spans stay in memory for the asserts. */
final class Docs {
  private Docs() {}

  /** Like {@code Obs.builder().serviceName(service)}, plus an in-memory exporter and no shutdown hook. */
  static Obs.Builder builder(String service, InMemorySpanExporter spans) {
    return Obs.builder()
        .serviceName(service)
        .shutdownHook(false)
        .set("OBS4J_METRICS_JVM", "false")
        .set("OTEL_TRACES_EXPORTER", "none")
        .addSpanProcessor(SimpleSpanProcessor.create(keptAfterClose(spans)));
  }

  /** The exporter clears its spans on shutdown; the asserts read them after the Obs is closed. */
  private static SpanExporter keptAfterClose(InMemorySpanExporter spans) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> batch) {
        return spans.export(batch);
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  static SpanData span(InMemorySpanExporter spans, String name) {
    List<SpanData> found = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    if (found.size() != 1) {
      throw new AssertionError("want one span " + name + ", have " + spans.getFinishedSpanItems());
    }
    return found.get(0);
  }
}
