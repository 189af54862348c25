/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The demo's flags: embedded defaults, flags over environment, and errors that name the flag. */
class DemoConfigTest {

  @Test
  void noFlags_embeddedDefaults() {
    DemoConfig config = DemoConfig.parse(new String[0], name -> null);
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.gatewayPort()).isEqualTo(8080);
    assertThat(config.ordersPort()).isEqualTo(8081);
    assertThat(config.workerPort()).isEqualTo(8082);
    assertThat(config.jdbcUrl()).startsWith("jdbc:h2:mem:");
    assertThat(config.queueKind()).isEqualTo("jvm_queue");
    assertThat(config.otlpEndpoint()).isNull();
    assertThat(config.traffic()).isFalse();
    assertThat(config.part()).isEqualTo(DemoConfig.Part.ALL);
    assertThat(config.ordersUrl()).isNull();
    assertThat(config.rabbitmqUser()).isEqualTo("guest");
    assertThat(config.rabbitmqPassword()).isEqualTo("guest");
    assertThat(config.logFormat()).as("decided by whether standard output is a terminal").isNull();
  }

  /** The names the Kubernetes manifests set, each read from the environment. */
  @Test
  void clusterSettings_fromTheEnvironment() {
    Map<String, String> env = Map.ofEntries(
        Map.entry("DEMO_PART", "worker"),
        Map.entry("DEMO_HOST", "0.0.0.0"),
        Map.entry("DEMO_ORDERS_URL", "http://orders:8081"),
        Map.entry("DEMO_JDBC_URL", "jdbc:postgresql://postgres:5432/demo"),
        Map.entry("DEMO_JDBC_USER", "demo"),
        Map.entry("DEMO_JDBC_PASSWORD", "s3cret"),
        Map.entry("DEMO_RABBITMQ", "rabbitmq:5672"),
        Map.entry("DEMO_RABBITMQ_USER", "demo"),
        Map.entry("DEMO_RABBITMQ_PASSWORD", "r4bbit"),
        Map.entry("DEMO_LOG_FORMAT", "json"),
        Map.entry("DEMO_GATEWAY_PORT", "8080"),
        Map.entry("DEMO_ORDERS_PORT", "8081"),
        Map.entry("DEMO_WORKER_PORT", "8082"));
    DemoConfig config = DemoConfig.parse(new String[0], env::get);
    assertThat(config.part()).isEqualTo(DemoConfig.Part.WORKER);
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.ordersUrl()).isEqualTo("http://orders:8081");
    assertThat(config.jdbcUrl()).isEqualTo("jdbc:postgresql://postgres:5432/demo");
    assertThat(config.jdbcUser()).isEqualTo("demo");
    assertThat(config.jdbcPassword()).isEqualTo("s3cret");
    assertThat(config.rabbitmq()).isEqualTo("rabbitmq:5672");
    assertThat(config.rabbitmqUser()).isEqualTo("demo");
    assertThat(config.rabbitmqPassword()).isEqualTo("r4bbit");
    assertThat(config.logFormat()).isEqualTo("json");
    assertThat(config.workerPort()).isEqualTo(8082);
  }

  @Test
  void flags_part_ordersUrl_rabbitmqCredentials_logFormat() {
    DemoConfig config =
        DemoConfig.parse(
            new String[] {
              "--part", "gateway", "--orders-url", "http://orders.demo.svc:8081/", "--rabbitmq-user", "u",
              "--rabbitmq-password", "p", "--log-format", "TEXT"
            },
            Map.of("DEMO_PART", "orders", "DEMO_LOG_FORMAT", "json")::get);
    assertThat(config.part()).isEqualTo(DemoConfig.Part.GATEWAY);
    assertThat(config.ordersUrl()).isEqualTo("http://orders.demo.svc:8081");
    assertThat(config.rabbitmqUser()).isEqualTo("u");
    assertThat(config.rabbitmqPassword()).isEqualTo("p");
    assertThat(config.logFormat()).isEqualTo("text");
  }

  @Test
  void ordersClient_jdkByDefault_apacheByFlagOrEnvironment_elseRefusedNamingTheFlag() {
    assertThat(DemoConfig.parse(new String[0], name -> null).ordersClient()).isEqualTo("jdk");
    assertThat(DemoConfig.parse(new String[] {"--orders-client", "Apache"}, name -> null).ordersClient())
        .isEqualTo("apache");
    assertThat(DemoConfig.parse(new String[0], Map.of("DEMO_ORDERS_CLIENT", "apache")::get).ordersClient())
        .isEqualTo("apache");
    assertThatThrownBy(() -> DemoConfig.parse(new String[] {"--orders-client", "okhttp"}, name -> null))
        .hasMessageContaining("--orders-client must be jdk or apache, not 'okhttp'");
  }

  @ParameterizedTest
  @CsvSource({"orders", "worker"})
  void ordersOrWorkerAlone_inJvmQueueAndH2_refusedNamingTheSettings(String part) {
    assertThatThrownBy(() -> DemoConfig.parse(new String[] {"--part", part}, name -> null))
        .hasMessageContaining("--part " + part + " runs in a process of its own")
        .hasMessageContaining("the in-JVM queue cannot cross processes")
        .hasMessageContaining("--rabbitmq / DEMO_RABBITMQ HOST:PORT or --kafka / DEMO_KAFKA HOST:PORT")
        .hasMessageContaining("the in-memory H2 database lives in one process")
        .hasMessageContaining("--jdbc-url / DEMO_JDBC_URL");
    DemoConfig ok = DemoConfig.parse(
        new String[] {"--part", part, "--jdbc-url", "jdbc:postgresql://db:5432/demo", "--kafka", "kafka:9092"},
        name -> null);
    assertThat(ok.queueKind()).isEqualTo("kafka");
  }

  @Test
  void gatewayAlone_needsNoBrokerNorDatabase() {
    assertThat(DemoConfig.parse(new String[] {"--part", "gateway"}, name -> null).part())
        .isEqualTo(DemoConfig.Part.GATEWAY);
  }

  @Test
  void logFormat_followsTheTerminal_unlessAskedFor() {
    assertThat(DemoLogging.format(null, true)).isEqualTo("text");
    assertThat(DemoLogging.format(null, false)).isEqualTo("json");
    assertThat(DemoLogging.format("json", true)).isEqualTo("json");
    assertThat(DemoLogging.format("text", false)).isEqualTo("text");
    // JDK 17 has a console only when standard input and output are a terminal
    assertThat(DemoLogging.isTerminal(null)).isFalse();
    assertThat(DemoLogging.standardOutputIsTerminal()).as("surefire's output is a pipe").isFalse();
  }

  @Test
  void logDir_emptyMeansNoFile() {
    assertThat(DemoLogging.logDir(null, null)).isEqualTo("logs");
    assertThat(DemoLogging.logDir(null, "/var/log/demo")).isEqualTo("/var/log/demo");
    assertThat(DemoLogging.logDir("/tmp/x", "/var/log/demo")).isEqualTo("/tmp/x");
    assertThat(DemoLogging.logDir(null, "")).isNull();
    assertThat(DemoLogging.logDir("", "/var/log/demo")).isNull();
  }

  @Test
  void flagsWinOverEnvironment_andEnvironmentOverDefaults() {
    Map<String, String> env = Map.of("DEMO_GATEWAY_PORT", "9000", "DEMO_ORDERS_PORT", "9001", "DEMO_KAFKA", "broker:9092");
    DemoConfig config =
        DemoConfig.parse(new String[] {"--gateway-port", "7000", "--traffic", "--traffic-duration", "90s"}, env::get);
    assertThat(config.gatewayPort()).isEqualTo(7000);
    assertThat(config.ordersPort()).isEqualTo(9001);
    assertThat(config.queueKind()).isEqualTo("kafka");
    assertThat(config.kafka()).isEqualTo("broker:9092");
    assertThat(config.traffic()).isTrue();
    assertThat(config.trafficDuration()).isEqualTo(Duration.ofSeconds(90));
  }

  @ParameterizedTest
  @CsvSource({
    "--gateway-port, 70000, --gateway-port must be a port number",
    "--kafka, localhost, --kafka must be HOST:PORT",
    "--traffic-rate, 1000, --traffic-rate must be",
    "--traffic-duration, forever, --traffic-duration must be a duration",
    "--nonsense, x, Unknown argument '--nonsense'",
    "--part, frontend, --part must be gateway, orders, worker or all",
    "--orders-url, orders:8081, --orders-url must be",
    "--orders-url, http://orders:8081/api, --orders-url must be",
    "--log-format, yaml, --log-format must be json or text",
    "--traffic-seed, abc, --traffic-seed must be a whole number",
    "--traffic-requests, -1, --traffic-requests must be a whole number",
  })
  void badValue_failsWithAMessageNamingTheFlag(String flag, String value, String message) {
    assertThatThrownBy(() -> DemoConfig.parse(new String[] {flag, value}, name -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void trafficSeedAndRequests_fromFlagOrEnvironment_noSeedByDefault() {
    assertThat(DemoConfig.parse(new String[0], name -> null).trafficSeed()).isNull();
    assertThat(DemoConfig.parse(new String[0], name -> null).trafficRequests()).isZero();
    DemoConfig config = DemoConfig.parse(new String[] {"--traffic-requests", "500"}, Map.of("DEMO_TRAFFIC_SEED", "42")::get);
    assertThat(config.trafficSeed()).isEqualTo(42L);
    assertThat(config.trafficRequests()).isEqualTo(500);
  }

  @Test
  void trafficPlan_sameSeedSameSteps_otherSeedOtherSteps() {
    assertThat(Traffic.plan(42).first(200)).isEqualTo(Traffic.plan(42).first(200));
    assertThat(Traffic.plan(42).first(200)).isNotEqualTo(Traffic.plan(43).first(200));
    // every user and every feature shows up in a run of a few hundred requests
    assertThat(Traffic.plan(42).first(500).stream().map(Traffic.Step::user).distinct()).hasSameSizeAs(Traffic.USERS);
    assertThat(Traffic.plan(42).first(500).stream().map(Traffic.Step::feature).distinct()).hasSize(Traffic.Feature.values().length);
  }

  @Test
  void twoBrokers_areRefused() {
    assertThatThrownBy(() -> DemoConfig.parse(new String[] {"--kafka", "a:1", "--rabbitmq", "b:2"}, name -> null))
        .hasMessageContaining("choose one broker");
  }
}
