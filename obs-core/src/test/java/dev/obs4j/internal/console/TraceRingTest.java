/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The console's ring: bounded, evictions counted, spans grouped by trace whatever thread ended them. */
class TraceRingTest {
  /** Records every span without sampling it: the SDK calls onEnd for such spans. */
  private static final io.opentelemetry.sdk.trace.samplers.Sampler RECORD_ONLY =
      new io.opentelemetry.sdk.trace.samplers.Sampler() {
        @Override
        public io.opentelemetry.sdk.trace.samplers.SamplingResult shouldSample(
            io.opentelemetry.context.Context parentContext, String traceId, String name,
            io.opentelemetry.api.trace.SpanKind spanKind, io.opentelemetry.api.common.Attributes attributes,
            List<io.opentelemetry.sdk.trace.data.LinkData> parentLinks) {
          return io.opentelemetry.sdk.trace.samplers.SamplingResult.create(
              io.opentelemetry.sdk.trace.samplers.SamplingDecision.RECORD_ONLY);
        }

        @Override
        public String getDescription() {
          return "record only";
        }
      };

  @Test
  void valuesAreCut_asTheyAreCopiedIn_andTheRingsBytesStayWithinItsBound() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    long maxBytes = 1 << 20;
    TraceRing ring = new TraceRing(10_000, maxBytes, registry);
    String agent = "A".repeat(8192);
    try (Obs obs = TestObs.builder("shop").addSpanProcessor(ring).build()) {
      for (int i = 0; i < 2_000; i++) {
        int n = i;
        obs.runInSpan("GET /" + n, () -> {
          Span.current().setAttribute("user_agent.original", agent);
          Span.current().setAttribute("url.path", "/" + "p".repeat(9000) + n);
          Span.current().recordException(new IllegalStateException("m".repeat(20_000)));
        });
      }
    }
    List<Trace> traces = ring.traces(100_000);
    ViewSpan newest = ring.trace(traces.get(0).traceId()).spans().get(0);
    assertThat(newest.name()).isEqualTo("GET /1999");
    assertThat(newest.attribute("user_agent.original")).hasSize(ViewSpan.MAX_VALUE + 1).endsWith(ViewSpan.CUT);
    assertThat(newest.attributes()).allSatisfy(a -> assertThat(a.getValue().length()).isLessThanOrEqualTo(ViewSpan.MAX_EVENT + 1));
    // by bytes, far fewer than the 2,000 spans the count would keep; every one let go is counted
    assertThat(ring.bytes()).isLessThanOrEqualTo(maxBytes);
    long held = traces.stream().mapToLong(t -> ring.trace(t.traceId()).spans().stream().mapToLong(ViewSpan::bytes).sum()).sum();
    assertThat(held).isEqualTo(ring.bytes()).isGreaterThan(maxBytes / 2);
    assertThat(traces.size()).isLessThan(2_000);
    assertThat(registry.get("obs4j.console.spans.evicted").counter().count()).isEqualTo(2_000 - traces.size());
    assertThat(traces).extracting(Trace::name).contains("GET /1999").doesNotContain("GET /0");
  }

  @Test
  void ring_keepsTheLastCapacitySpans_andCountsEveryEviction() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    TraceRing ring = new TraceRing(10, registry);
    try (Obs obs = TestObs.builder("shop").addSpanProcessor(ring).build()) {
      for (int i = 0; i < 25; i++) {
        obs.runInSpan("job " + i, () -> {});
      }
      List<Trace> traces = ring.traces(100);
      assertThat(traces).hasSize(10);
      assertThat(traces.get(0).name()).as("the one that ended last first").isEqualTo("job 24");
      assertThat(traces).extracting(t -> t.name()).doesNotContain("job 14").contains("job 15");
      assertThat(registry.get("obs4j.console.spans.evicted").counter().count()).isEqualTo(15);
      assertThat(ring.traces(3)).hasSize(3);
    }
  }

  @Test
  void spansEndedOnManyThreads_groupIntoTheirTraces_withTheRightRoot() throws Exception {
    TraceRing ring = new TraceRing(10_000, new SimpleMeterRegistry());
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (Obs obs = TestObs.builder("shop").addSpanProcessor(ring).build()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < 50; i++) {
            String name = "request " + thread + "-" + i;
            obs.inSpan(name, SpanKind.SERVER, () -> {
              ObsContext.setUserId("user-" + thread);
              obs.runInSpan("load", () -> obs.runInSpan("query", () -> {}));
              return null;
            });
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      List<Trace> traces = ring.traces(1_000);
      assertThat(traces).hasSize(400).allSatisfy(trace -> {
        assertThat(trace.spans()).hasSize(3);
        assertThat(trace.complete()).isTrue();
        assertThat(trace.name()).startsWith("request ");
        assertThat(ring.trace(trace.traceId()).spans()).hasSize(3);
        assertThat(trace.service()).isEqualTo("shop");
        assertThat(trace.userId()).startsWith("user-");
      });
      Set<String> names = traces.stream().map(t -> t.name()).collect(Collectors.toSet());
      assertThat(names).hasSize(400);
      Trace one = ring.trace(traces.get(7).traceId());
      assertThat(one).isNotNull();
      assertThat(one.spans()).extracting(ViewSpan::name).containsExactly(traces.get(7).name(), "load", "query");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unsampledSpans_areNotKept_andAnErrorMarksItsTrace() {
    TraceRing ring = new TraceRing(100, new SimpleMeterRegistry());
    // Recorded but not sampled: the SDK hands such spans to onEnd (with always_off it would not call it at all).
    try (var sdk = io.opentelemetry.sdk.trace.SdkTracerProvider.builder().setSampler(RECORD_ONLY).addSpanProcessor(ring).build()) {
      io.opentelemetry.api.trace.Span span = sdk.get("test").spanBuilder("recorded, not sampled").startSpan();
      assertThat(span.isRecording()).isTrue();
      assertThat(span.getSpanContext().isSampled()).isFalse();
      span.end();
    }
    assertThat(ring.traces(10)).isEmpty();
    try (Obs obs = TestObs.builder("shop").addSpanProcessor(ring).build()) {
      try {
        obs.runInSpan("fails", () -> {
          throw new IllegalStateException("boom");
        });
      } catch (IllegalStateException expected) {
        // recorded on the span
      }
      obs.runInSpan("works", () -> Span.current().setAttribute("http.route", "/orders/{id}"));
    }
    List<Trace> traces = ring.traces(10);
    assertThat(traces).extracting(t -> t.name(), Trace::error)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("works", false), org.assertj.core.groups.Tuple.tuple("fails", true));
    assertThat(traces.get(0).route()).isEqualTo("/orders/{id}");
    assertThat(ring.trace("0".repeat(32))).isNull();
  }
}
