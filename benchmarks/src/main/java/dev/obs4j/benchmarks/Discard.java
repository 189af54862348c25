/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/** An exporter that accepts and drops every span: the benchmarks measure the request path, not export. */
final class Discard implements SpanExporter {
  static final SpanExporter EXPORTER = new Discard();

  private Discard() {}

  /**
   * The {@code Obs} every benchmark starts from: service {@code bench}, no exporter of obs4j's, no shutdown
   * hook, no JVM meters; its spans end in a batch processor over this exporter.
   */
  static Obs.Builder obs() {
    return Obs.builder()
        .serviceName("bench")
        .tracesExporter("none")
        .shutdownHook(false)
        .set("OBS4J_METRICS_JVM", "false")
        .addSpanProcessor(BatchSpanProcessor.builder(EXPORTER).build());
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
