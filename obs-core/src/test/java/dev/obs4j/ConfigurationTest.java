/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigurationTest {

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("OTEL_TRACES_EXPORTER", "zipkin", "jaeger, otlp, logging, none"),
        Arguments.of("OTEL_TRACES_EXPORTER", "jaeger,none", "'none' alone"),
        Arguments.of("OTEL_TRACES_SAMPLER", "sometimes", "parentbased_always_on"),
        Arguments.of("JAEGER_AGENT_PORT", "abc", "a whole number from 1 to 65535"),
        Arguments.of("JAEGER_AGENT_PORT", "70000", "a whole number from 1 to 65535"),
        Arguments.of("OTEL_PROPAGATORS", "tracecontext,xray", "tracecontext, baggage, jaeger, b3, b3multi"),
        Arguments.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "http/protobuf, grpc"),
        Arguments.of("OTEL_RESOURCE_ATTRIBUTES", "team=a,=b", "key=value"),
        Arguments.of("OTEL_RESOURCE_ATTRIBUTES", "team=%zz", "percent-encoded"),
        Arguments.of("OTEL_BSP_MAX_QUEUE_SIZE", "-1", "a whole number from 1"),
        Arguments.of("OTEL_BSP_SCHEDULE_DELAY", "soon", "milliseconds"),
        Arguments.of("OBS4J_METRICS_SERVER", "yes", "true or false"),
        Arguments.of("OTEL_EXPORTER_PROMETHEUS_PORT", "99999", "0 to 65535"),
        Arguments.of("OBS4J_METRICS_MAX_TAG_VALUES", "0", "a whole number from 1"),
        Arguments.of("OBS4J_SHUTDOWN_HOOK", "maybe", "true or false"),
        Arguments.of("JAEGER_SAMPLER_TYPE", "adaptive", "const, probabilistic, ratelimiting, remote"));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("badValues")
  void badValue_failsAtBuild_namingTheSettingAndWhatItAccepts(String setting, String value, String accepted) {
    assertThatThrownBy(() -> TestObs.builder("svc").tracesExporter("jaeger").set(setting, value).build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining(setting)
        .hasMessageContaining(value)
        .hasMessageContaining(accepted)
        .satisfies(e -> assertThat(((ObsConfigException) e).setting()).isEqualTo(setting));
  }

  static Stream<Arguments> badPairs() {
    return Stream.of(
        Arguments.of("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "1.5", "from 0.0 to 1.0"),
        Arguments.of("OTEL_TRACES_SAMPLER", "traceidratio", "OTEL_TRACES_SAMPLER_ARG", "half", "from 0.0 to 1.0"),
        Arguments.of("OTEL_TRACES_SAMPLER", "ratelimiting", "OTEL_TRACES_SAMPLER_ARG", "0", "above 0"),
        Arguments.of("OTEL_TRACES_SAMPLER", "jaeger_remote", "OTEL_TRACES_SAMPLER_ARG", "url=x", "endpoint=URL"),
        Arguments.of("JAEGER_SAMPLER_TYPE", "probabilistic", "JAEGER_SAMPLER_PARAM", "2", "from 0.0 to 1.0"),
        Arguments.of("JAEGER_SAMPLER_TYPE", "const", "JAEGER_SAMPLER_PARAM", "0.5", "0 or 1"),
        Arguments.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318", "http://"),
        Arguments.of(
            "OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_TIMEOUT", "-5", "number of milliseconds"));
  }

  @ParameterizedTest(name = "{0}={1} {2}={3}")
  @MethodSource("badPairs")
  void badArgument_failsAtBuild_namingTheSetting(
      String first, String firstValue, String setting, String value, String accepted) {
    assertThatThrownBy(() -> TestObs.builder("svc").set(first, firstValue).set(setting, value).build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining(setting)
        .hasMessageContaining(value)
        .hasMessageContaining(accepted);
  }

  @Test
  void systemProperty_isRead_andOverridesCodeDefaults_butNotForcedValues() {
    System.setProperty("otel.resource.attributes", "team=payments,region=eu%20west");
    System.setProperty("otel.service.name", "from-property");
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs fromProperty =
        Obs.builder()
            .shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none")
            .addSpanProcessor(SimpleSpanProcessor.create(spans))
            .build()) {
      assertThat(fromProperty.serviceName()).isEqualTo("from-property");
      fromProperty.runInSpan("x", () -> {});
      var resource = spans.getFinishedSpanItems().get(0).getResource();
      assertThat(resource.getAttribute(AttributeKey.stringKey("team"))).isEqualTo("payments");
      assertThat(resource.getAttribute(AttributeKey.stringKey("region"))).isEqualTo("eu west");
      assertThat(resource.getAttribute(AttributeKey.stringKey("telemetry.sdk.language"))).isEqualTo("java");
    } finally {
      System.clearProperty("otel.resource.attributes");
    }
    try (Obs codeDefault = TestObs.builder("from-code").build();
        Obs forced = TestObs.builder("from-code").force("OTEL_SERVICE_NAME", "forced").build()) {
      assertThat(codeDefault.serviceName()).isEqualTo("from-property");
      assertThat(forced.serviceName()).isEqualTo("forced");
    } finally {
      System.clearProperty("otel.service.name");
    }
  }

  @Test
  void jaegerServiceName_isTheFallback_andEnvironmentBecomesAMetricTag() {
    try (Obs obs =
        Obs.builder()
            .shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none")
            .set("JAEGER_SERVICE_NAME", "legacy")
            .environment("staging")
            .build()) {
      assertThat(obs.serviceName()).isEqualTo("legacy");
      obs.meterRegistry().counter("probe").increment();
      assertThat(obs.meterRegistry().scrape()).contains("probe_total{env=\"staging\",service=\"legacy\"} 1.0");
    }
  }

  /**
   * Builds an Obs with {@code settings} in a class loader whose class path is this test's minus the OkHttp
   * sender (on the test class path only for GrpcTest), as a user's would be; returns the failure message.
   */
  private static String buildWithoutGrpcSender(String... settings) throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      // Without log4j too: a second log4j would reopen the tests' log file and truncate it under them.
      if (!entry.contains("opentelemetry-exporter-sender-okhttp") && !entry.contains("log4j")) {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    try (URLClassLoader loader =
        new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader())) {
      Class<?> obs = loader.loadClass("dev.obs4j.Obs");
      Object builder = obs.getMethod("builder").invoke(null);
      Method set = builder.getClass().getMethod("set", String.class, String.class);
      set.invoke(builder, "OBS4J_SHUTDOWN_HOOK", "false");
      set.invoke(builder, "OBS4J_METRICS_JVM", "false");
      for (int i = 0; i < settings.length; i += 2) {
        set.invoke(builder, settings[i], settings[i + 1]);
      }
      // As in an application: the loader that holds obs4j is also the context class loader, which
      // OpenTelemetry's service lookups (context storage, senders) go through.
      ClassLoader previous = Thread.currentThread().getContextClassLoader();
      Thread.currentThread().setContextClassLoader(loader);
      try {
        ((AutoCloseable) builder.getClass().getMethod("build").invoke(builder)).close();
      } catch (InvocationTargetException e) {
        assertThat(e.getCause().getClass().getName()).isEqualTo(ObsConfigException.class.getName());
        return e.getCause().getMessage();
      } finally {
        Thread.currentThread().setContextClassLoader(previous);
      }
      throw new AssertionError("build() succeeded without a gRPC sender");
    }
  }

  @Test
  void grpcWithoutASender_failsNamingTheSettingAndTheDependency() throws Exception {
    assertThat(buildWithoutGrpcSender("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"))
        .contains("OTEL_EXPORTER_OTLP_PROTOCOL")
        .contains("opentelemetry-exporter-sender-okhttp");
    assertThat(buildWithoutGrpcSender("OTEL_TRACES_EXPORTER", "none", "OTEL_TRACES_SAMPLER", "jaeger_remote"))
        .contains("OTEL_TRACES_SAMPLER")
        .contains("gRPC sender");
  }

  @Test
  void closedObs_isANoOp_andClosingTwiceIsHarmless() {
    Obs obs = TestObs.builder("svc").build();
    obs.close();
    obs.close();
    assertThat(obs.isClosed()).isTrue();
    assertThat(obs.inSpan("after close", () -> "still runs")).isEqualTo("still runs");
    assertThat(obs.tracer().spanBuilder("x").startSpan().isRecording()).isFalse();
  }
}
