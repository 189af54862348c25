/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SamplerTest {
  private static final String SAMPLED_PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String UNSAMPLED_PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

  /** How many of {@code n} root spans were sampled. */
  private static int sampledRoots(Obs.Builder builder, int n) {
    try (SpanRecorder recorder = new SpanRecorder(builder)) {
      for (int i = 0; i < n; i++) {
        recorder.obs.runInSpan("root", () -> {});
      }
      return recorder.spans().size();
    }
  }

  private static boolean sampledUnder(Obs.Builder builder, String traceparent) {
    try (SpanRecorder recorder = new SpanRecorder(builder)) {
      Context parent = recorder.obs.propagation().extract(Map.of("traceparent", traceparent));
      try (Scope ignored = parent.makeCurrent()) {
        recorder.obs.runInSpan("child", () -> {});
      }
      return !recorder.spans().isEmpty();
    }
  }

  @Test
  void defaultIsParentBasedAlwaysOn() {
    assertThat(sampledRoots(TestObs.builder("s"), 100)).isEqualTo(100);
    assertThat(sampledUnder(TestObs.builder("s"), UNSAMPLED_PARENT)).isFalse();
    assertThat(sampledUnder(TestObs.builder("s"), SAMPLED_PARENT)).isTrue();
  }

  @Test
  void alwaysOnAndOff_ignoreTheParent() {
    assertThat(sampledRoots(TestObs.builder("s").sampler("always_off"), 100)).isZero();
    assertThat(sampledUnder(TestObs.builder("s").sampler("always_off"), SAMPLED_PARENT)).isFalse();
    assertThat(sampledUnder(TestObs.builder("s").sampler("always_on"), UNSAMPLED_PARENT)).isTrue();
  }

  @Test
  void traceIdRatio_samplesAboutThatShare() {
    int sampled = sampledRoots(TestObs.builder("s").sampler("traceidratio", "0.25"), 4000);
    assertThat(sampled).isBetween(800, 1200);
    assertThat(sampledRoots(TestObs.builder("s").sampler("traceidratio", "0"), 500)).isZero();
  }

  @Test
  void parentBasedVariants_followASampledParent_andUseTheirRootSamplerOtherwise() {
    assertThat(sampledUnder(TestObs.builder("s").sampler("parentbased_always_off"), SAMPLED_PARENT)).isTrue();
    assertThat(sampledRoots(TestObs.builder("s").sampler("parentbased_always_off"), 50)).isZero();
    assertThat(sampledUnder(TestObs.builder("s").sampler("parentbased_traceidratio", "0"), SAMPLED_PARENT))
        .isTrue();
    assertThat(sampledUnder(TestObs.builder("s").sampler("parentbased_ratelimiting", "1"), UNSAMPLED_PARENT))
        .isFalse();
  }

  @Test
  void rateLimiting_samplesAtMostTheBudget_andTagsTheSpansLikeJaeger() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("s").sampler("ratelimiting", "10"))) {
      long start = System.nanoTime();
      for (int i = 0; i < 5000; i++) {
        recorder.obs.runInSpan("root", () -> {});
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      // A full bucket of 10, plus 10 per second of the loop's own duration.
      assertThat(recorder.spans().size()).isBetween(10, 10 + (int) Math.ceil(seconds * 10) + 1);
      assertThat(recorder.spans().get(0).getAttributes().get(AttributeKey.stringKey("sampler.type")))
          .isEqualTo("ratelimiting");
      assertThat(recorder.spans().get(0).getAttributes().get(AttributeKey.doubleKey("sampler.param")))
          .isEqualTo(10.0);
    }
  }

  @Test
  void jaegerClientSettings_constProbabilisticAndRateLimiting() {
    assertThat(sampledRoots(TestObs.builder("s").set("JAEGER_SAMPLER_TYPE", "const").set("JAEGER_SAMPLER_PARAM", "0"), 50))
        .isZero();
    assertThat(sampledRoots(TestObs.builder("s").set("JAEGER_SAMPLER_TYPE", "const").set("JAEGER_SAMPLER_PARAM", "1"), 50))
        .isEqualTo(50);
    assertThat(
            sampledRoots(
                TestObs.builder("s").set("JAEGER_SAMPLER_TYPE", "probabilistic").set("JAEGER_SAMPLER_PARAM", "0.5"),
                2000))
        .isBetween(800, 1200);
    assertThat(
            sampledRoots(
                TestObs.builder("s").set("JAEGER_SAMPLER_TYPE", "ratelimiting").set("JAEGER_SAMPLER_PARAM", "5"),
                1000))
        .isBetween(5, 8);
    // Jaeger clients honour the caller's decision: the sampler is parent-based.
    assertThat(
            sampledUnder(
                TestObs.builder("s").set("JAEGER_SAMPLER_TYPE", "const").set("JAEGER_SAMPLER_PARAM", "0"),
                SAMPLED_PARENT))
        .isTrue();
  }

  @Test
  void otelSamplerWinsOverTheJaegerClientSetting() {
    assertThat(
            sampledRoots(
                TestObs.builder("s").sampler("always_off").set("JAEGER_SAMPLER_TYPE", "const").set("JAEGER_SAMPLER_PARAM", "1"),
                20))
        .isZero();
  }

  @Test
  void bareRateLimiting_isParentBased_soChildrenOfASampledRootAreNeverCut() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("s").sampler("ratelimiting", "1"))) {
      // one root per second: the root takes the credit, its 20 children must follow it, not the limit
      recorder.obs.runInSpan("root", () -> {
        for (int i = 0; i < 20; i++) {
          recorder.obs.runInSpan("child", () -> {});
        }
      });
      assertThat(recorder.spans()).hasSize(21);
    }
    assertThat(sampledUnder(TestObs.builder("s").sampler("ratelimiting", "1"), UNSAMPLED_PARENT)).isFalse();
  }

  @Test
  void remoteSamplerOnJaegerHttpPort5778_failsBuildNamingTheSetting() {
    assertThatThrownBy(() -> TestObs.builder("s").set("JAEGER_SAMPLER_TYPE", "remote")
            .set("JAEGER_SAMPLER_MANAGER_HOST_PORT", "jaeger-agent:5778").build())
        .isInstanceOf(dev.obs4j.ObsConfigException.class)
        .hasMessageContaining("JAEGER_SAMPLER_MANAGER_HOST_PORT")
        .hasMessageContaining("5779");
    assertThatThrownBy(() -> TestObs.builder("s")
            .sampler("parentbased_jaeger_remote", "endpoint=http://jaeger:5778").build())
        .isInstanceOf(dev.obs4j.ObsConfigException.class)
        .hasMessageContaining("OTEL_TRACES_SAMPLER_ARG");
  }
}
