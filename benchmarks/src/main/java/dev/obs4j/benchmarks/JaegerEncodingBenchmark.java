/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.internal.jaeger.JaegerUdpSpanExporter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Jaeger Thrift encoding throughput: one export batch of 512 typical server spans (HTTP attributes, one in
 * ten with an error event) mapped and encoded into datagrams of at most 65,000 bytes. Reported per span.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class JaegerEncodingBenchmark {
  private static final int BATCH = 512;

  private List<SpanData> spans;
  private JaegerUdpSpanExporter exporter;

  @Setup(Level.Trial)
  public void setUp() {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      var tracer = provider.get("bench");
      for (int i = 0; i < BATCH; i++) {
        var span =
            tracer
                .spanBuilder("GET /orders/{id}")
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", "GET")
                .setAttribute("http.route", "/orders/{id}")
                .setAttribute("url.path", "/orders/" + i)
                .setAttribute("http.response.status_code", 200L)
                .startSpan();
        if (i % 10 == 0) {
          span.recordException(new IllegalStateException("boom " + i));
        }
        span.end();
      }
      // Taken before the provider closes: closing shuts the in-memory exporter down, which empties it.
      spans = memory.getFinishedSpanItems();
    }
    if (spans.size() != BATCH) {
      throw new IllegalStateException("expected " + BATCH + " spans, got " + spans.size());
    }
    exporter =
        new JaegerUdpSpanExporter(
            "127.0.0.1", 6831, Resource.getDefault(), new SelfMetrics(new SimpleMeterRegistry()));
    try {
      int datagrams = exporter.encodeDatagrams(spans).size();
      if (datagrams < 2) {
        throw new IllegalStateException("512 spans should need several datagrams, got " + datagrams);
      }
    } catch (TException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What the export thread does before each send: the datagrams come out of the exporter's reused buffer (as
   * they go to the socket), so what is allocated here is what encoding allocates.
   */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void encode512Spans(Blackhole bh) throws TException {
    exporter.encodeDatagrams(spans, (datagram, length, count) -> bh.consume(length));
  }
}
