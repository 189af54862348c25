/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** integrations/jdk-httpserver.adoc: the filter on the JDK's own HTTP server, on loopback. */
class JdkHttpServerDocTest {
  @Test
  void contextsAreTracedUnderTheirPathOrTheTemplateTheHandlerNames() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::jdk-server[]
      Filter traced = ObsHttpServerFilter.create(ObsHttp.create(obs));
      server.createContext("/orders/", exchange -> {
        ObsContext.setRoute("/orders/{id}");     // else the route is the context's path
        byte[] body = "order".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      }).getFilters().add(traced);
      server.createContext("/", exchange -> {    // 404 for the rest, counted too
        exchange.sendResponseHeaders(404, -1);
        exchange.close();
      }).getFilters().add(traced);
      // end::jdk-server[]
      server.createContext("/reports/", exchange -> {
        throw new IllegalStateException("report store down");
      }).getFilters().add(traced);
      server.start();
      String base = "http://127.0.0.1:" + server.getAddress().getPort();

      HttpResponse<String> order = Docs.get(base + "/orders/17");
      assertThat(order.body()).isEqualTo("order");
      SpanData orders = Docs.await(spans, "GET /orders/{id}");
      assertThat(orders.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/orders/{id}");
      assertThat(order.headers().firstValue("X-Trace-Id")).contains(orders.getTraceId());

      assertThat(Docs.get(base + "/nowhere").statusCode()).isEqualTo(404);
      assertThat(Docs.await(spans, "GET").getAttributes().get(AttributeKey.longKey("http.response.status_code")))
          .isEqualTo(404L);

      assertThat(Docs.get(base + "/reports/7").statusCode())
          .as("a handler that throws before answering gets a 500 from the filter")
          .isEqualTo(500);
      SpanData report = Docs.await(spans, "GET /reports/");
      assertThat(report.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);

      Docs.eventually(() -> assertThat(Docs.scrape(obs))
          .contains("status=\"200\",uri=\"/orders/{id}\"")
          .contains("status=\"404\",uri=\"NOT_FOUND\"")
          .contains("exception=\"IllegalStateException\"")
          .contains("status=\"500\",uri=\"/reports/\""));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void theHttpOptions() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    try (Obs obs = Docs.builder("orders", spans).build();
        LogCapture log = LogCapture.of("dev.obs4j.http.server", org.apache.logging.log4j.Level.WARN)) {
      // tag::options[]
      ObsHttp http = ObsHttp.builder(obs)
          .traceIdHeader("X-Request-Trace")                  // not X-Trace-Id; "" for none
          .captureRequestHeaders("X-Tenant")                 // http.request.header.x-tenant
          .serviceLevelObjectives(Duration.ofMillis(250))    // one more histogram bucket
          .logClientErrorsAtWarn(true)                       // 4xx at WARN, not DEBUG
          .excludePaths("/metrics", "/health", "/internal/") // replaces the default list
          .build();
      // end::options[]
      Filter traced = ObsHttpServerFilter.create(http);
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(exchange.getRequestURI().getPath().equals("/orders/0") ? 404 : 200, -1);
        exchange.close();
      }).getFilters().add(traced);
      server.start();
      String base = "http://127.0.0.1:" + server.getAddress().getPort();

      HttpResponse<String> order = Docs.get(base + "/orders/1", java.util.Map.of("X-Tenant", "acme"));
      SpanData served = Docs.await(spans, "GET");
      assertThat(order.headers().firstValue("X-Request-Trace")).contains(served.getTraceId());
      assertThat(order.headers().firstValue("X-Trace-Id")).isEmpty();
      assertThat(served.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.x-tenant")))
          .containsExactly("acme");
      assertThat(Docs.get(base + "/internal/stats").headers().firstValue("X-Request-Trace")).isEmpty();
      assertThat(Docs.get(base + "/orders/0").statusCode()).isEqualTo(404);
      Docs.eventually(() -> assertThat(log.lines()).singleElement()
          .satisfies(line -> assertThat(line.message()).startsWith("GET /orders/0 answered 404")));
      Docs.eventually(() -> assertThat(Docs.scrape(obs))
          .contains("le=\"0.25\"")
          .doesNotContain("uri=\"/internal/\""));
      Docs.eventually(() -> assertThat(spans.getFinishedSpanItems()).as("/internal/ not traced").hasSize(2));
    } finally {
      server.stop(0);
    }
  }
}
