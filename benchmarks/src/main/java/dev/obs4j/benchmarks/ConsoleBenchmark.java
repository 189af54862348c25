/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import dev.obs4j.internal.console.TraceRing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
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
 * What the console ({@code OBS4J_CONSOLE=true}) adds to every sampled span: its ring's {@code onEnd} (the
 * span's data and one slot of a fixed array). The same span as {@code SpanBenchmark.obs4j_sampled}, with
 * and without the ring, both ending in a batch processor over an exporter that discards.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class ConsoleBenchmark {
  private Obs plain;
  private Obs console;

  @Setup(Level.Trial)
  public void setUp() {
    plain = obs().build();
    console = obs().addSpanProcessor(new TraceRing(10_000, new SimpleMeterRegistry())).build();
  }

  private static Obs.Builder obs() {
    return Discard.obs().set("OBS4J_REGISTER_GLOBAL", "false");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    plain.close();
    console.close();
  }

  @Benchmark
  public String sampled_withoutConsole() {
    return plain.inSpan("GET /orders/{id}", () -> Span.current().getSpanContext().getSpanId());
  }

  @Benchmark
  public String sampled_withConsoleRing() {
    return console.inSpan("GET /orders/{id}", () -> Span.current().getSpanContext().getSpanId());
  }
}
