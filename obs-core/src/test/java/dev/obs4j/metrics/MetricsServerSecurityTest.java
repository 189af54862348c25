/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.ObsConfigException;
import dev.obs4j.testing.PrometheusServer;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in metrics server as an attacker on the network would meet it: loopback unless told otherwise,
 * two paths and nothing else, basic auth when configured, and a real Prometheus scraping it every 100 ms
 * with and without the credentials. Requests go over raw sockets so the paths reach the server exactly as
 * written, unnormalized.
 */
class MetricsServerSecurityTest {

  @Test
  void server_bindsLoopbackByDefault() {
    try (Obs obs = TestObs.builder("shop").set("OBS4J_METRICS_SERVER", "true").set("OTEL_EXPORTER_PROMETHEUS_PORT", "0").build()) {
      InetSocketAddress address = obs.metricsServerAddress();
      assertThat(address).isNotNull();
      assertThat(address.getAddress().isLoopbackAddress()).as("bound to %s", address).isTrue();
    }
  }

  @Test
  void onlyMetricsAndHealthAnswer_everyOtherPathIs404_echoingNothing() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int port = obs.metricsServerAddress().getPort();
      assertThat(request(port, "GET /metrics HTTP/1.1")).startsWith("HTTP/1.1 200").contains("obs4j_spans_started_total");
      assertThat(request(port, "GET /metrics?debug=1 HTTP/1.1")).startsWith("HTTP/1.1 200");
      assertThat(request(port, "GET /health HTTP/1.1")).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
      assertThat(request(port, "HEAD /metrics HTTP/1.1")).startsWith("HTTP/1.1 200");
      for (String path :
          List.of(
              "/",
              "/metrics/",
              "/metricsx",
              "/Metrics",
              "/health/x",
              "/metrics/../metrics",
              "/../../../../etc/passwd",
              "/metrics/../../../../etc/passwd",
              "/%2e%2e/%2e%2e/etc/passwd",
              "/metrics%2f..%2f..%2fetc%2fpasswd",
              "/%6detrics",
              "/metrics%00",
              "//metrics",
              "/favicon.ico",
              "/api/v1/query")) {
        String answer = request(port, "GET " + path + " HTTP/1.1");
        assertThat(answer).as(path).startsWith("HTTP/1.1 404");
        // no body, or (for a path the JDK itself cannot route) its fixed text, which echoes nothing
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertThat(body).as(path).isIn("", "<h1>404 Not Found</h1>No context found for request");
      }
      assertThat(request(port, "POST /metrics HTTP/1.1")).startsWith("HTTP/1.1 405").contains("Allow: GET, HEAD");
      assertThat(request(port, "TRACE /health HTTP/1.1")).startsWith("HTTP/1.1 405");
    }
  }

  @Test
  void basicAuth_guardsMetrics_notHealth() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).metricsServerBasicAuth("prom", "s3cr\u00e9t").build()) {
      int port = obs.metricsServerAddress().getPort();
      String none = request(port, "GET /metrics HTTP/1.1");
      assertThat(none).startsWith("HTTP/1.1 401").doesNotContain("obs4j_");
      assertThat(none.toLowerCase(java.util.Locale.ROOT)).contains("www-authenticate: basic realm=\"obs4j metrics\"");
      assertThat(request(port, "GET /metrics HTTP/1.1", "Authorization: " + basic("prom", "wrong"))).startsWith("HTTP/1.1 401");
      assertThat(request(port, "GET /metrics HTTP/1.1", "Authorization: " + basic("prom", "s3cr\u00e9"))).startsWith("HTTP/1.1 401");
      assertThat(request(port, "GET /metrics HTTP/1.1", "Authorization: Bearer x")).startsWith("HTTP/1.1 401");
      assertThat(request(port, "GET /metrics HTTP/1.1", "Authorization: " + basic("prom", "s3cr\u00e9t")))
          .startsWith("HTTP/1.1 200")
          .contains("obs4j_spans_started_total");
      assertThat(request(port, "GET /health HTTP/1.1")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void basicAuth_halfConfigured_failsTheBuild_namingTheMissingSetting() {
    assertThatThrownBy(() -> TestObs.builder("shop").metricsServer("127.0.0.1", 0).set("OBS4J_METRICS_SERVER_USERNAME", "prom").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("OBS4J_METRICS_SERVER_PASSWORD")
        .extracting(e -> ((ObsConfigException) e).setting())
        .isEqualTo("OBS4J_METRICS_SERVER_PASSWORD");
    assertThatThrownBy(() -> TestObs.builder("shop").set("OBS4J_METRICS_SERVER_PASSWORD", "x").build())
        .isInstanceOf(ObsConfigException.class)
        .extracting(e -> ((ObsConfigException) e).setting())
        .isEqualTo("OBS4J_METRICS_SERVER_USERNAME");
    assertThatThrownBy(() -> TestObs.builder("shop").metricsServerBasicAuth("a:b", "x").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("':'");
  }

  @Test
  void prometheusScrapingEvery100ms_withAndWithoutCredentials_whileTracedWorkRuns() throws Exception {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).metricsServerBasicAuth("prom", "pw").build()) {
      String target = "127.0.0.1:" + obs.metricsServerAddress().getPort();
      Path dir = Files.createTempDirectory("prom-auth");
      Files.writeString(dir.resolve("password"), "pw");
      Path config =
          Files.writeString(
              dir.resolve("prometheus.yml"),
              String.join(
                  "\n",
                  "global:",
                  "  scrape_interval: 100ms",
                  "  scrape_timeout: 100ms",
                  "scrape_configs:",
                  "  - job_name: with_auth",
                  "    basic_auth:",
                  "      username: prom",
                  "      password_file: " + dir.resolve("password"),
                  "    static_configs:",
                  "      - targets: ['" + target + "']",
                  "  - job_name: without_auth",
                  "    static_configs:",
                  "      - targets: ['" + target + "']",
                  ""));
      Timer work = Timer.builder("work").publishPercentileHistogram().register(obs.meterRegistry());
      try (PrometheusServer prometheus = PrometheusServer.withConfig(config, List.of())) {
        // Traced work runs on this thread for as long as the scrapes go on, every call succeeding.
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        int calls = 0;
        while (System.nanoTime() < until) {
          int n = calls;
          int result = obs.inSpan("work", () -> work.record(() -> n + 1));
          assertThat(result).isEqualTo(n + 1);
          calls++;
          if (calls % 1000 == 0) {
            Thread.sleep(1);
          }
        }
        assertThat(calls).isGreaterThan(1000);

        String scrapes =
            prometheus.await(
                "/api/v1/query?query=" + PrometheusServer.encode("count_over_time(up{job=\"with_auth\"}[10s])"),
                body -> body.matches("(?s).*\"value\":\\[[0-9.]+,\"([2-9][0-9]|[0-9]{3,})\"\\].*"),
                20);
        assertThat(scrapes).as("at least 20 scrapes in the window").contains("with_auth");
        prometheus.await(
            "/api/v1/query?query=" + PrometheusServer.encode("min_over_time(up{job=\"with_auth\"}[10s])"),
            body -> body.contains("\"1\"]"),
            20);
        prometheus.await(
            "/api/v1/query?query=" + PrometheusServer.encode("max_over_time(up{job=\"without_auth\"}[10s])"),
            body -> body.contains("\"0\"]"),
            20);
        String targets = prometheus.get("/api/v1/targets").body();
        assertThat(targets).contains("401 Unauthorized");
        prometheus.await(
            "/api/v1/query?query=" + PrometheusServer.encode("work_seconds_count{job=\"with_auth\"}"),
            body -> body.contains("work_seconds_count"),
            20);
      }
    }
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one request line (and headers) as written, returns the whole answer. */
  static String request(int port, String requestLine, String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      StringBuilder request = new StringBuilder(requestLine).append("\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      for (String header : headers) {
        request.append(header).append("\r\n");
      }
      request.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
