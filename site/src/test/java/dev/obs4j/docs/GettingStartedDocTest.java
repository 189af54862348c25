/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** getting-started.adoc: the first lines of code, as README.md shows them. */
class GettingStartedDocTest {
  /** The interface the service's code is called through. */
  public interface OrderService {
    @WithSpan("ship order")
    String ship(String id);
  }

  static final class DefaultOrderService implements OrderService {
    @Override
    public String ship(String id) {
      return "shipped " + id;
    }
  }

  /** Stands for the application's own data access. */
  static final class Repository {
    String load(String id) {
      return "order " + id;
    }
  }

  @Test
  void theFirstLinesMakeSpansAndServeMetrics() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    Repository repository = new Repository();
    String loaded;
    String shipped;
    String scrape;
    // The snippet asks for port 9464, as README.md does; a system property overrides a value set in code
    // (configuration.adoc), so this test binds any free port instead.
    System.setProperty("otel.exporter.prometheus.port", "0");
    try {
      // tag::first-lines[]
      try (Obs obs = Obs.builder().serviceName("orders").metricsServer("127.0.0.1", 9464)
          // end::first-lines[]
          .set("OBS4J_METRICS_JVM", "false")
          .set("OTEL_TRACES_EXPORTER", "none")
          .set("OBS4J_REGISTER_GLOBAL", "false")
          .shutdownHook(false)
          .addSpanProcessor(Docs.processor(spans))
          // tag::first-lines[]
          .build()) {
        String order = obs.inSpan("load order", () -> repository.load("17"));
        OrderService traced = obs.traced(OrderService.class, new DefaultOrderService());
        // end::first-lines[]
        loaded = order;
        shipped = traced.ship("17");
        InetSocketAddress metrics = obs.metricsServerAddress();
        assertThat(metrics).isNotNull();
        HttpResponse<String> response = Docs.get("http://127.0.0.1:" + metrics.getPort() + "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        scrape = response.body();
        // tag::first-lines[]
      }
      // end::first-lines[]
    } finally {
      System.clearProperty("otel.exporter.prometheus.port");
    }
    assertThat(loaded).isEqualTo("order 17");
    assertThat(shipped).isEqualTo("shipped 17");
    SpanData load = Docs.span(spans, "load order");
    SpanData ship = Docs.span(spans, "ship order");
    assertThat(load.getResource().getAttributes().asMap().toString()).contains("service.name=orders");
    assertThat(ship.getTraceId()).as("two separate operations, two traces").isNotEqualTo(load.getTraceId());
    assertThat(scrape).contains("obs4j_spans_started_total{service=\"orders\"} 2.0");
  }
}
