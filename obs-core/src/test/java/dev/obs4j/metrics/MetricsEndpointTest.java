/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.Counter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

  @Test
  void jvmMeters_boundOnTheFirstScrape_notWhileTheServiceStarts() throws Exception {
    try (Obs obs = TestObs.builder("shop").set("OBS4J_METRICS_JVM", "true").metricsServer("127.0.0.1", 0).build()) {
      assertThat(obs.meterRegistry().find("jvm.memory.used").gauges()).as("not bound at build").isEmpty();

      URI uri = URI.create("http://127.0.0.1:" + obs.metricsServerAddress().getPort() + "/metrics");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      String first = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();

      assertThat(first)
          .contains("jvm_memory_used_bytes{area=\"heap\"")
          .contains("jvm_threads_live_threads{service=\"shop\"}")
          .contains("process_uptime_seconds{service=\"shop\"}");
      assertThat(obs.meterRegistry().scrape()).as("a direct scrape of the registry has them too")
          .contains("jvm_gc_memory_allocated_bytes_total");
    }
  }

  @Test
  void jvmMeters_closedBeforeTheDelay_neverBound() throws Exception {
    Obs obs = TestObs.builder("shop").set("OBS4J_METRICS_JVM", "true").build();
    obs.close();
    Thread.sleep(200);
    obs.meterRegistry().scrape();
    assertThat(obs.meterRegistry().find("jvm.memory.used").gauges()).as("closed before the delay").isEmpty();
  }

  @Test
  void endpoint_answersTextOrOpenMetricsByAcceptHeader_withExemplarsOnlyInOpenMetrics() throws Exception {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      Counter orders = Counter.builder("orders.placed").register(obs.meterRegistry());
      String traceId =
          obs.inSpan(
              "place",
              () -> {
                orders.increment();
                return io.opentelemetry.api.trace.Span.current().getSpanContext().getTraceId();
              });
      URI uri = URI.create("http://127.0.0.1:" + obs.metricsServerAddress().getPort() + "/metrics");
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

      HttpResponse<String> text =
          client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(text.statusCode()).isEqualTo(200);
      assertThat(text.headers().firstValue("Content-Type")).hasValue(PrometheusScrape.TEXT);
      assertThat(text.body()).contains("orders_placed_total{service=\"shop\"} 1.0").doesNotContain(traceId);

      HttpResponse<String> open =
          client.send(
              HttpRequest.newBuilder(uri)
                  .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(open.headers().firstValue("Content-Type")).hasValue(PrometheusScrape.OPENMETRICS);
      assertThat(open.body()).contains("trace_id=\"" + traceId + "\"").endsWith("# EOF\n");

      HttpResponse<String> post =
          client.send(
              HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
    }
  }

  @Test
  void exemplars_stayOnBucketsAndCounters_byDefault_soPrometheusBefore243AcceptsTheScrape() {
    try (Obs obs = TestObs.builder("shop").build()) {
      io.micrometer.core.instrument.Timer histogram =
          io.micrometer.core.instrument.Timer.builder("pay").publishPercentileHistogram().register(obs.meterRegistry());
      obs.runInSpan("pay", () -> histogram.record(Duration.ofMillis(3)));
      String body = obs.meterRegistry().scrape(PrometheusScrape.OPENMETRICS);
      assertThat(body).containsPattern("pay_seconds_bucket\\{[^}]*\\} 1 # \\{span_id=");
      assertThat(body.lines().filter(l -> l.startsWith("pay_seconds_count"))).allMatch(l -> !l.contains("#"));
    }
    try (Obs obs = TestObs.builder("shop").set("OBS4J_METRICS_EXEMPLARS_ON_ALL_TYPES", "true").build()) {
      io.micrometer.core.instrument.Timer summary =
          io.micrometer.core.instrument.Timer.builder("pay").register(obs.meterRegistry());
      obs.runInSpan("pay", () -> summary.record(Duration.ofMillis(3)));
      assertThat(obs.meterRegistry().scrape(PrometheusScrape.OPENMETRICS))
          .containsPattern("pay_seconds_count\\{[^}]*\\} 1 # \\{span_id=");
    }
  }

  @Test
  void cardinalityGuard_keepsAtMostTheLimit_collapsesTheRest_andCountsThem() {
    try (Obs obs = TestObs.builder("shop").set("OBS4J_METRICS_MAX_TAG_VALUES", "20").build()) {
      for (int i = 0; i < 500; i++) {
        obs.meterRegistry().counter("http.hits", "path", "/users/" + i).increment();
      }
      var counters = obs.meterRegistry().find("http.hits").counters();
      assertThat(counters).hasSize(21);
      var other = obs.meterRegistry().get("http.hits").tag("path", CardinalityGuard.OTHER).counter();
      assertThat(other.count()).isEqualTo(480);
      assertThat(TestObs.counter(obs, "obs4j.metrics.tag.values.collapsed")).isEqualTo(480);
      // A second meter has its own budget.
      obs.meterRegistry().counter("other.hits", "path", "/a").increment();
      assertThat(obs.meterRegistry().get("other.hits").tag("path", "/a").counter().count()).isEqualTo(1);
    }
  }
}
