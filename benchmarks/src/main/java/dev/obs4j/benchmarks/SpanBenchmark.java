/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Start, make current and end one span: through obs4j ({@code Obs.inSpan}: start counter, MDC, error
 * handling) against the raw OpenTelemetry SDK, both ending in the same SDK batch processor over an exporter
 * that discards; and the sampled-out path of each.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class SpanBenchmark {

  private SdkTracerProvider rawProvider;
  private Tracer raw;
  private Obs obs;
  private SdkTracerProvider rawOffProvider;
  private Tracer rawOff;
  private Obs obsOff;

  @Setup(Level.Trial)
  public void setUp() {
    rawProvider = SdkTracerProvider.builder().addSpanProcessor(BatchSpanProcessor.builder(Discard.EXPORTER).build()).build();
    raw = rawProvider.get("bench");
    obs = obs("always_on");
    rawOffProvider =
        SdkTracerProvider.builder()
            .setSampler(io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOff())
            .addSpanProcessor(BatchSpanProcessor.builder(Discard.EXPORTER).build())
            .build();
    rawOff = rawOffProvider.get("bench");
    obsOff = obs("always_off");
  }

  private static Obs obs(String sampler) {
    return Discard.obs().sampler(sampler).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    rawProvider.close();
    rawOffProvider.close();
    obs.close();
    obsOff.close();
  }

  private static String work(Tracer tracer) {
    Span span = tracer.spanBuilder("GET /orders/{id}").startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return Span.current().getSpanContext().getSpanId();
    } finally {
      span.end();
    }
  }

  @Benchmark
  public String rawSdk_sampled() {
    return work(raw);
  }

  @Benchmark
  public String obs4j_sampled() {
    return obs.inSpan("GET /orders/{id}", () -> Span.current().getSpanContext().getSpanId());
  }

  @Benchmark
  public String rawSdk_unsampled() {
    return work(rawOff);
  }

  @Benchmark
  public String obs4j_unsampled() {
    return obsOff.inSpan("GET /orders/{id}", () -> Span.current().getSpanContext().getSpanId());
  }
}
