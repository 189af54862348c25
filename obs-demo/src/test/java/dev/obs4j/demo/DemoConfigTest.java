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
  })
  void badValue_failsWithAMessageNamingTheFlag(String flag, String value, String message) {
    assertThatThrownBy(() -> DemoConfig.parse(new String[] {flag, value}, name -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void twoBrokers_areRefused() {
    assertThatThrownBy(() -> DemoConfig.parse(new String[] {"--kafka", "a:1", "--rabbitmq", "b:2"}, name -> null))
        .hasMessageContaining("choose one broker");
  }
}
