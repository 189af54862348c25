/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.internal.Settings;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Code gives defaults, operators override them (system property, then environment), and code can force a
 * value; the first handle built is the global OpenTelemetry for libraries that use the global API.
 */
class SettingsPrecedenceTest {

  @Test
  void codeDefault_isOverriddenByPropertyThenEnvironment_unlessForced() {
    Map<String, String> props = Map.of("otel.exporter.prometheus.host", "0.0.0.0");
    Map<String, String> env = Map.of("OTEL_EXPORTER_PROMETHEUS_HOST", "10.0.0.1", "OTEL_SERVICE_NAME", "from-env");
    Settings settings =
        new Settings(
            Map.of("OTEL_SERVICE_NAME", "forced"),
            Map.of("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1", "OTEL_TRACES_EXPORTER", "none"),
            props::get,
            env::get);
    assertThat(settings.get("OTEL_EXPORTER_PROMETHEUS_HOST")).isEqualTo("0.0.0.0"); // property over env and code
    assertThat(settings.get("OTEL_SERVICE_NAME")).isEqualTo("forced");
    assertThat(settings.get("OTEL_TRACES_EXPORTER")).isEqualTo("none"); // nobody overrides: the code default
    Settings envOnly = new Settings(Map.of(), Map.of("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1"), k -> null, env::get);
    assertThat(envOnly.get("OTEL_EXPORTER_PROMETHEUS_HOST")).isEqualTo("10.0.0.1");
  }

  @Test
  void quickStartMetricsServer_canBeOpenedByTheOperator() {
    System.setProperty("otel.exporter.prometheus.port", "0");
    try (Obs obs = TestObs.builder("svc").metricsServer("127.0.0.1", 9464).build()) {
      assertThat(obs.metricsServerAddress()).isNotNull();
      assertThat(obs.metricsServerAddress().getPort()).isNotEqualTo(9464); // the property won: any free port
    } finally {
      System.clearProperty("otel.exporter.prometheus.port");
    }
  }

  @Test
  void forcedInCode_beatsTheProperty() {
    System.setProperty("otel.service.name", "from-property");
    try (Obs obs = TestObs.builder("svc").force("OTEL_SERVICE_NAME", "forced").build();
        Obs plain = TestObs.builder("svc").build()) {
      assertThat(obs.serviceName()).isEqualTo("forced");
      assertThat(plain.serviceName()).isEqualTo("from-property");
    } finally {
      System.clearProperty("otel.service.name");
    }
  }

  @Test
  void firstHandle_becomesTheGlobalOpenTelemetry_unlessTurnedOff() {
    GlobalOpenTelemetry.resetForTest();
    try {
      try (Obs off = TestObs.builder("off").set("OBS4J_REGISTER_GLOBAL", "false").build()) {
        assertThat(GlobalOpenTelemetry.isSet()).isFalse();
      }
      try (Obs first = TestObs.builder("first").set("OTEL_TRACES_EXPORTER", "none").build();
          Obs second = TestObs.builder("second").build()) {
        assertThat(GlobalOpenTelemetry.isSet()).isTrue();
        // a library using the global API makes spans in the first handle's pipeline
        Span span = GlobalOpenTelemetry.getTracer("some.library").spanBuilder("library work").startSpan();
        assertThat(span.getSpanContext().isValid()).isTrue();
        span.end();
        assertThat(TestObs.counter(first, "obs4j.spans.started")).isEqualTo(1);
        assertThat(TestObs.counter(second, "obs4j.spans.started")).isZero();
      }
    } finally {
      GlobalOpenTelemetry.resetForTest();
    }
  }

  @Test
  void jaegerNamesFromAHigherPlace_overrideTheStandardNamesSetInCode_fromTheSamePlaceTheStandardWins() {
    Settings envOverCode = new Settings(Map.of(), Map.of("OTEL_SERVICE_NAME", "code"), k -> null,
        Map.of("JAEGER_SERVICE_NAME", "env")::get);
    assertThat(envOverCode.preferred("OTEL_SERVICE_NAME", "JAEGER_SERVICE_NAME")).isEqualTo("JAEGER_SERVICE_NAME");
    Settings samePlace = new Settings(Map.of(), Map.of(), k -> null,
        Map.of("OTEL_SERVICE_NAME", "a", "JAEGER_SERVICE_NAME", "b")::get);
    assertThat(samePlace.preferred("OTEL_SERVICE_NAME", "JAEGER_SERVICE_NAME")).isEqualTo("OTEL_SERVICE_NAME");
    Settings forcedStandard = new Settings(Map.of("OTEL_SERVICE_NAME", "forced"), Map.of(), k -> null,
        Map.of("JAEGER_SERVICE_NAME", "env")::get);
    assertThat(forcedStandard.preferred("OTEL_SERVICE_NAME", "JAEGER_SERVICE_NAME")).isEqualTo("OTEL_SERVICE_NAME");

    // end to end: serviceName() and sampler() in code, Jaeger's names from the operator (system properties)
    System.setProperty("jaeger.service.name", "from-property");
    System.setProperty("jaeger.sampler.type", "const");
    System.setProperty("jaeger.sampler.param", "0");
    try (dev.obs4j.testing.SpanRecorder recorder =
        new dev.obs4j.testing.SpanRecorder(TestObs.builder("from-code").sampler("always_on"))) {
      assertThat(recorder.obs.serviceName()).isEqualTo("from-property");
      recorder.obs.runInSpan("not sampled", () -> {});
      assertThat(recorder.spans()).as("JAEGER_SAMPLER_TYPE=const 0 from the operator").isEmpty();
    } finally {
      System.clearProperty("jaeger.service.name");
      System.clearProperty("jaeger.sampler.type");
      System.clearProperty("jaeger.sampler.param");
    }
  }

  @Test
  void resourceAttributes_arePercentDecoded_asTheSpecificationSays_plusStaysPlus() {
    try (dev.obs4j.testing.SpanRecorder recorder = new dev.obs4j.testing.SpanRecorder(TestObs.builder("svc")
        .set("OTEL_RESOURCE_ATTRIBUTES", "team=a+b,note=x%20y%2Cz,unicode=caf%C3%A9"))) {
      recorder.obs.runInSpan("job", () -> {});
      io.opentelemetry.sdk.resources.Resource resource = recorder.only().getResource();
      assertThat(resource.getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("team"))).isEqualTo("a+b");
      assertThat(resource.getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("note"))).isEqualTo("x y,z");
      assertThat(resource.getAttribute(io.opentelemetry.api.common.AttributeKey.stringKey("unicode"))).isEqualTo("café");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> TestObs.builder("svc").set("OTEL_RESOURCE_ATTRIBUTES", "team=a%2").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_RESOURCE_ATTRIBUTES");
  }
}
