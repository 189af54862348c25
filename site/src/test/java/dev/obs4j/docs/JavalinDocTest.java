/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** integrations/javalin.adoc: the plugin and the metrics route on a real Javalin 7 on loopback. */
class JavalinDocTest {
  private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";

  @Test
  void everyRouteIsTracedAndTimed_metricsAndHealthAreNot() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::javalin[]
      ObsHttp http = ObsHttp.create(obs);
      Javalin app = Javalin.create(cfg -> {
        cfg.registerPlugin(ObsJavalin.create(http));                 // traces every route
        cfg.routes.get("/metrics", ObsJavalin.metricsHandler(obs));  // for Prometheus
        cfg.routes.get("/orders/{id}", ctx -> ctx.result("order " + ctx.pathParam("id")));
        // end::javalin[]
        cfg.routes.get("/orders/{id}/pay", ctx -> {
          throw new IllegalStateException("payment service down");
        });
        cfg.routes.get("/health", ctx -> ctx.result("ok"));
        cfg.startup.showJavalinBanner = false;
        // tag::javalin[]
      });
      // end::javalin[]
      app.start("127.0.0.1", 0);
      String base = "http://127.0.0.1:" + app.port();
      try {
        HttpResponse<String> ok =
            Docs.get(base + "/orders/17?debug=1", Map.of("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01"));
        assertThat(ok.body()).isEqualTo("order 17");
        SpanData served = Docs.await(spans, "GET /orders/{id}");
        assertThat(served.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(served.getTraceId()).as("continues the caller's trace").isEqualTo(CALLER_TRACE);
        assertThat(served.getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(served.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/orders/{id}");
        assertThat(served.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/orders/17");
        assertThat(served.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        assertThat(ok.headers().firstValue("X-Trace-Id")).contains(CALLER_TRACE);
        assertThat(ok.headers().firstValue("traceresponse"))
            .contains("00-" + CALLER_TRACE + "-" + served.getSpanId() + "-01");

        HttpResponse<String> failed = Docs.get(base + "/orders/17/pay");
        assertThat(failed.statusCode()).isEqualTo(500);
        SpanData pay = Docs.await(spans, "GET /orders/{id}/pay");
        assertThat(pay.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(pay.getAttributes().get(AttributeKey.stringKey("error.type")))
            .isEqualTo("java.lang.IllegalStateException");

        assertThat(Docs.get(base + "/nowhere").statusCode()).isEqualTo(404);
        assertThat(Docs.get(base + "/health").headers().firstValue("X-Trace-Id")).isEmpty();
        HttpResponse<String> metrics = Docs.get(base + "/metrics");
        assertThat(metrics.headers().firstValue("X-Trace-Id")).as("/metrics is not traced").isEmpty();
        Docs.eventually(() -> assertThat(Docs.scrape(obs))
            .contains("http_server_requests_seconds_count{exception=\"None\",method=\"GET\",outcome=\"SUCCESS\","
                + "service=\"orders\",status=\"200\",uri=\"/orders/{id}\"} 1")
            .contains("http_server_requests_seconds_count{exception=\"IllegalStateException\",method=\"GET\","
                + "outcome=\"SERVER_ERROR\",service=\"orders\",status=\"500\",uri=\"/orders/{id}/pay\"} 1")
            .contains("uri=\"NOT_FOUND\"")
            .doesNotContain("uri=\"/metrics\"")
            .doesNotContain("uri=\"/health\""));
        assertThat(metrics.body()).contains("http_server_requests_seconds_bucket{");
        Docs.eventually(() -> assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName)
            .containsExactlyInAnyOrder("GET /orders/{id}", "GET /orders/{id}/pay", "GET"));
      } finally {
        app.stop();
      }
    }
  }
}
