/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.PrometheusServer;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A real Prometheus scrapes the built-in /metrics server; exemplars carry the trace id of our span. */
class PrometheusScrapeTest {

  @Test
  void prometheusScrapesSeriesAndExemplarsWithOurTraceId() throws Exception {
    try (Obs obs =
        TestObs.builder("billing")
            .environment("it")
            .set("OBS4J_METRICS_JVM", "true")
            .metricsServer("127.0.0.1", 0)
            .build()) {
      Timer timer =
          Timer.builder("checkout.duration")
              .publishPercentileHistogram()
              .tag("route", "/checkout")
              .register(obs.meterRegistry());
      String traceId =
          obs.inSpan(
              "POST /checkout",
              () -> {
                timer.record(Duration.ofMillis(42));
                return Span.current().getSpanContext().getTraceId();
              });
      InetSocketAddress address = obs.metricsServerAddress();
      assertThat(address).isNotNull();

      try (PrometheusServer prometheus = new PrometheusServer("127.0.0.1:" + address.getPort())) {
        String series =
            prometheus.await(
                "/api/v1/query?query=" + PrometheusServer.encode("checkout_duration_seconds_count"),
                body -> body.contains("\"result\":[{"),
                30);
        assertThat(series)
            .contains("\"service\":\"billing\"")
            .contains("\"env\":\"it\"")
            .contains("\"route\":\"/checkout\"")
            .contains("\"job\":\"obs4j\"")
            .contains("\"1\"]"); // one observation

        String jvm =
            prometheus.get("/api/v1/query?query=" + PrometheusServer.encode("jvm_memory_used_bytes")).body();
        assertThat(jvm).contains("\"result\":[{").contains("\"area\":\"heap\"");
        String self =
            prometheus.get("/api/v1/query?query=" + PrometheusServer.encode("obs4j_spans_started_total")).body();
        assertThat(self).contains("\"result\":[{");

        long now = System.currentTimeMillis() / 1000 + 60;
        String exemplars =
            prometheus.await(
                "/api/v1/query_exemplars?query="
                    + PrometheusServer.encode("checkout_duration_seconds_bucket")
                    + "&start=0&end="
                    + now,
                body -> body.contains("trace_id"),
                30);
        assertThat(exemplars).contains("\"trace_id\":\"" + traceId + "\"");
      }
    }
  }
}
