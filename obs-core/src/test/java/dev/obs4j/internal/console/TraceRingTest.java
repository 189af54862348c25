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
      assertThat(traces.get(0).root().getName()).as("the one that ended last first").isEqualTo("job 24");
      assertThat(traces).extracting(t -> t.root().getName()).doesNotContain("job 14").contains("job 15");
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
        assertThat(trace.root().getName()).startsWith("request ");
        assertThat(trace.spans()).extracting(s -> s.getTraceId()).containsOnly(trace.traceId());
        assertThat(trace.service()).isEqualTo("shop");
        assertThat(trace.userId()).startsWith("user-");
      });
      Set<String> names = traces.stream().map(t -> t.root().getName()).collect(Collectors.toSet());
      assertThat(names).hasSize(400);
      Trace one = ring.trace(traces.get(7).traceId());
      assertThat(one).isNotNull();
      assertThat(one.spans()).extracting(s -> s.getName()).containsExactly(traces.get(7).root().getName(), "load", "query");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void unsampledSpans_areNotKept_andAnErrorMarksItsTrace() {
    TraceRing ring = new TraceRing(100, new SimpleMeterRegistry());
    try (Obs unsampled = TestObs.builder("shop").sampler("always_off").addSpanProcessor(ring).build()) {
      unsampled.runInSpan("not recorded", () -> {});
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
    assertThat(traces).extracting(t -> t.root().getName(), Trace::error)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("works", false), org.assertj.core.groups.Tuple.tuple("fails", true));
    assertThat(traces.get(0).route()).isEqualTo("/orders/{id}");
    assertThat(ring.trace("0".repeat(32))).isNull();
  }
}
