/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.internal.BoundedSpanProcessor;
import dev.obs4j.internal.OtelExemplarContext;
import dev.obs4j.internal.SelfMetrics;
import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the request thread pays when a sampled span ends, with eight threads ending spans at once: obs4j's
 * {@link BoundedSpanProcessor} (self-metrics in a Prometheus registry built as {@code Obs} builds it, lock-free
 * queue) against the SDK's {@link BatchSpanProcessor}, both with the SDK's default queue (2,048), batch (512)
 * and delay (5 s), both over an exporter that discards.
 *
 * <p>With {@code work=0} the threads do nothing but end spans, the export thread falls behind, the queue
 * fills and both processors mostly drop: this measures contention at its worst. With {@code work=1000} each
 * thread burns a few microseconds of CPU between spans (JMH's {@code Blackhole.consumeCPU}, included in the
 * score) as a request would, and most spans are queued; on a 2-core machine the export thread still competes
 * with eight busy threads and cannot keep up with all of them. After each trial the number of spans that
 * reached the exporter is printed (both trials last as long), and for obs4j the share it dropped.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(8)
@State(Scope.Benchmark)
public class SpanProcessorBenchmark {

  /** The SDK processor logs a warning per export that follows drops; kept here so the level sticks. */
  private static final java.util.logging.Logger SDK_LOG =
      java.util.logging.Logger.getLogger(BatchSpanProcessor.class.getName());

  /** CPU work between two spans, in {@code Blackhole.consumeCPU} tokens. */
  @Param({"0", "1000"})
  public int work;

  private SdkTracerProvider provider;
  private ReadableSpan span;
  private PrometheusMeterRegistry registry;
  private BoundedSpanProcessor bounded;
  private BatchSpanProcessor batch;
  private final LongAdder exported = new LongAdder();
  private final SpanExporter counting =
      new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          exported.add(spans.size());
          return Discard.EXPORTER.export(spans);
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

  @Setup(Level.Trial)
  public void setUp() {
    SDK_LOG.setLevel(java.util.logging.Level.OFF);
    provider = SdkTracerProvider.builder().build();
    Span started =
        provider
            .get("bench")
            .spanBuilder("GET /orders/{id}")
            .setAttribute("http.route", "/orders/{id}")
            .startSpan();
    started.end();
    span = (ReadableSpan) started;
    registry =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT, new PrometheusRegistry(), Clock.SYSTEM, new OtelExemplarContext());
    bounded =
        new BoundedSpanProcessor(
            "bench",
            counting,
            new SelfMetrics(registry),
            2048,
            512,
            Duration.ofSeconds(5),
            Duration.ofSeconds(30));
    batch = BatchSpanProcessor.builder(counting).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    bounded.shutdown().join(10, TimeUnit.SECONDS);
    batch.shutdown().join(10, TimeUnit.SECONDS);
    provider.close();
    double ended = registry.get("obs4j.spans.ended").counter().count();
    double dropped =
        registry.find("obs4j.spans.dropped").counters().stream().mapToDouble(c -> c.count()).sum();
    System.out.printf("%n%d spans reached the exporter (work=%d)%n", exported.sum(), work);
    if (ended > 0) {
      System.out.printf("obs4j: %.0f spans ended, %.1f%% dropped (queue full)%n", ended, 100 * dropped / ended);
    }
  }

  @Benchmark
  public void obs4jBoundedProcessor_onEnd() {
    Blackhole.consumeCPU(work);
    bounded.onEnd(span);
  }

  @Benchmark
  public void sdkBatchProcessor_onEnd() {
    Blackhole.consumeCPU(work);
    batch.onEnd(span);
  }
}
