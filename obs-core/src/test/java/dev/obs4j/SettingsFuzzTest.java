/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.Hostile;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile setting values, generated with a fixed seed (so a failure replays): 100,000 builds, each with one
 * setting given a valid value, a mutated one or noise (control characters, huge numbers, junk URLs ...).
 * Each build either works or fails with an {@link ObsConfigException} that names that setting, in a
 * message that is one short line: no other exception, and no control character carried into a message
 * that will be logged.
 *
 * <p>Left out: settings that open a port or switch the JVM-wide log context (the metrics server and its
 * host and port, {@code OBS4J_LOGS_MDC}), and the remote sampler's address (a hostile host name would be
 * looked up in DNS); their parsing is the same code as the others'.
 */
class SettingsFuzzTest {
  private static final int INPUTS = 100_000;
  private static final String ALPHABET = "0123456789abcdefxyz-_.,;:=/%+[]@";
  private static final List<String> EDGES =
      List.of("-1", "2147483648", "99999999999999999999", "NaN", "Infinity", "-0", "1e3", "0x10", " ", "");

  /** Each setting with values it accepts, to mutate from. */
  private static final Map<String, List<String>> VALID = Map.ofEntries(
      Map.entry("OTEL_SERVICE_NAME", List.of("orders", "checkout-api")),
      Map.entry("JAEGER_SERVICE_NAME", List.of("orders")),
      Map.entry("OBS4J_SERVICE_VERSION", List.of("1.2.3")),
      Map.entry("OBS4J_ENVIRONMENT", List.of("production", "staging")),
      Map.entry("OTEL_RESOURCE_ATTRIBUTES", List.of("deployment.environment=prod,team=core", "a=b%20c")),
      Map.entry("OTEL_TRACES_SAMPLER", List.of("always_on", "parentbased_traceidratio", "always_off")),
      Map.entry("OTEL_TRACES_SAMPLER_ARG", List.of("0.25", "1", "0")),
      Map.entry("JAEGER_SAMPLER_TYPE", List.of("const", "probabilistic", "ratelimiting")),
      Map.entry("JAEGER_SAMPLER_PARAM", List.of("1", "0.5", "10")),
      Map.entry("OTEL_PROPAGATORS", List.of("tracecontext,baggage", "jaeger,b3multi", "b3")),
      Map.entry("OBS4J_EXTRACT_PROPAGATORS", List.of("tracecontext,baggage,jaeger,b3,b3multi")),
      Map.entry("OTEL_TRACES_EXPORTER", List.of("none", "logging", "otlp")),
      Map.entry("OTEL_EXPORTER_OTLP_ENDPOINT", List.of("http://127.0.0.1:4318", "https://127.0.0.1:4318/")),
      Map.entry("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", List.of("http://127.0.0.1:4318/v1/traces")),
      Map.entry("OTEL_EXPORTER_OTLP_PROTOCOL", List.of("http/protobuf")),
      Map.entry("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", List.of("http/protobuf")),
      Map.entry("OTEL_EXPORTER_OTLP_TIMEOUT", List.of("10000", "1")),
      Map.entry("JAEGER_AGENT_PORT", List.of("6831", "1")),
      Map.entry("OTEL_BSP_MAX_QUEUE_SIZE", List.of("2048", "1")),
      Map.entry("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", List.of("512")),
      Map.entry("OTEL_BSP_SCHEDULE_DELAY", List.of("5000", "0")),
      Map.entry("OTEL_BSP_EXPORT_TIMEOUT", List.of("30000")),
      Map.entry("OTEL_ATTRIBUTE_COUNT_LIMIT", List.of("128")),
      Map.entry("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", List.of("4096")),
      Map.entry("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", List.of("128")),
      Map.entry("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", List.of("1024")),
      Map.entry("OTEL_SPAN_EVENT_COUNT_LIMIT", List.of("128")),
      Map.entry("OTEL_SPAN_LINK_COUNT_LIMIT", List.of("128")),
      Map.entry("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", List.of("128")),
      Map.entry("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", List.of("128")),
      Map.entry("OBS4J_SHUTDOWN_TIMEOUT", List.of("10000", "0")),
      Map.entry("OBS4J_SHUTDOWN_HOOK", List.of("false", "true")),
      Map.entry("OBS4J_METRICS_MAX_TAG_VALUES", List.of("100", "1")),
      Map.entry("OBS4J_METRICS_JVM", List.of("false")),
      Map.entry("OBS4J_METRICS_EXEMPLARS_ON_ALL_TYPES", List.of("true", "false")),
      Map.entry("OBS4J_METRICS_SERVER_USERNAME", List.of("prometheus")),
      Map.entry("OBS4J_METRICS_SERVER_PASSWORD", List.of("s3cret")),
      Map.entry("OBS4J_REGISTER_GLOBAL", List.of("false", "true")),
      Map.entry("OBS4J_CONTEXT_FIELDS", List.of("user.id,tenant.id", "user.id")),
      Map.entry("OBS4J_CONTEXT_ACCEPT_INBOUND", List.of("true", "false")),
      Map.entry("OBS4J_CONTEXT_PROPAGATE_HOSTS", List.of("*.internal.example,orders", "")));

  @AfterEach
  void forgetTheLastGlobalRegistration() {
    GlobalOpenTelemetry.resetForTest(); // a fuzzed OBS4J_REGISTER_GLOBAL=true registers a handle, closed since
  }

  @Test
  void hostileValues_eitherBuildOrFailNamingTheSetting_inOneShortLine() {
    Hostile hostile = new Hostile(20261206L, ALPHABET);
    Random random = hostile.random();
    List<String> names = VALID.keySet().stream().sorted().toList();
    int built = 0;
    int refused = 0;
    for (int i = 0; i < INPUTS; i++) {
      String name = names.get(random.nextInt(names.size()));
      String value = random.nextInt(10) == 0 ? EDGES.get(random.nextInt(EDGES.size())) : hostile.from(VALID.get(name));
      Obs.Builder builder = Obs.builder()
          .set("OTEL_SERVICE_NAME", "fuzz")
          .set("OBS4J_SHUTDOWN_HOOK", "false")
          .set("OBS4J_METRICS_JVM", "false")
          .set("OBS4J_REGISTER_GLOBAL", "false")
          .set("OTEL_TRACES_EXPORTER", name.startsWith("OTEL_EXPORTER_OTLP") ? "otlp" : "none");
      if (name.equals("OBS4J_METRICS_SERVER_USERNAME") || name.equals("OBS4J_METRICS_SERVER_PASSWORD")) {
        builder.set("OBS4J_METRICS_SERVER_USERNAME", "prometheus").set("OBS4J_METRICS_SERVER_PASSWORD", "s3cret");
      }
      builder.set(name, value);
      try (Obs obs = builder.build()) {
        built++;
        assertThat(obs.serviceName()).doesNotContainPattern("[\\x00-\\x1f\\x7f]");
      } catch (ObsConfigException e) {
        refused++;
        String message = e.getMessage();
        assertThat(e.setting()).as("%s=%s: %s", name, Hostile.escape(value), message).isEqualTo(name);
        assertThat(message).as("%s=%s", name, Hostile.escape(value)).contains(name).hasSizeLessThan(600)
            .doesNotContainPattern("[\\x00-\\x1f\\x7f]");
      } catch (RuntimeException e) {
        throw new AssertionError("setting " + name + "=" + Hostile.escape(value) + " threw " + e, e);
      }
    }
    // Both outcomes were exercised many times.
    assertThat(built).isGreaterThan(INPUTS / 10);
    assertThat(refused).isGreaterThan(INPUTS / 10);
  }

  @Test
  void controlCharacterInAnySetting_failsNamingItWithoutEchoingTheValue() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> Obs.builder().set("OBS4J_METRICS_SERVER_USERNAME", "prometheus")
                .set("OBS4J_METRICS_SERVER_PASSWORD", "hunter2\r\nX-Injected: 1").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("OBS4J_METRICS_SERVER_PASSWORD")
        .hasMessageContaining("U+000D at position 7")
        .hasMessageNotContaining("hunter2");
  }

}
