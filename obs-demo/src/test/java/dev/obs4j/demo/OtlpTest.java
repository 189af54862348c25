/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --otlp URL}: the same trace goes over OTLP http/protobuf (what Jaeger v2 and any collector take),
 * decoded here with the OpenTelemetry proto classes by a loopback collector.
 */
class OtlpTest {

  @Test
  void otlpFlag_postOrder_arrivesAsOneTraceFromAllThreeServices() throws Exception {
    List<ExportTraceServiceRequest> requests = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/v1/traces", exchange -> {
      try (InputStream body = exchange.getRequestBody()) {
        requests.add(ExportTraceServiceRequest.parseFrom(body));
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    try (DemoProcess demo =
        DemoProcess.start(DemoProcess.freePort(), "--otlp", "http://127.0.0.1:" + collector.getAddress().getPort())) {
      HttpResponse<String> placed = demo.post("/orders", "{\"item\": \"plant\", \"quantity\": 3}", "X-User-Id", "dave");
      assertThat(placed.statusCode()).isEqualTo(201);
      String traceId = placed.headers().firstValue("X-Trace-Id").orElseThrow();

      Map<String, Set<String>> spanToService = new HashMap<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      // each part exports its own batches: wait for the last of them
      while (!spanToService.getOrDefault("POST /orders", Set.of()).containsAll(Set.of("gateway", "orders"))
          || !spanToService.containsKey("OrderBook.ship")) {
        if (System.nanoTime() > deadline) {
          break;
        }
        Thread.sleep(100);
        spanToService.clear();
        for (ExportTraceServiceRequest request : requests) {
          for (ResourceSpans resource : request.getResourceSpansList()) {
            String service = attribute(resource.getResource().getAttributesList(), "service.name");
            for (ScopeSpans scope : resource.getScopeSpansList()) {
              for (Span span : scope.getSpansList()) {
                if (hex(span.getTraceId().toByteArray()).equals(traceId)) {
                  spanToService.computeIfAbsent(span.getName(), n -> new TreeSet<>()).add(service);
                }
              }
            }
          }
        }
      }
      assertThat(spanToService)
          .containsEntry("POST /orders", Set.of("gateway", "orders"))
          .containsEntry("validate order", Set.of("gateway"))
          .containsEntry("OrderBook.place", Set.of("orders"))
          .containsEntry("OrderBook.ship", Set.of("worker"));
    } finally {
      collector.stop(0);
    }
  }

  private static String attribute(List<KeyValue> attributes, String key) {
    return attributes.stream()
        .filter(a -> a.getKey().equals(key))
        .map(a -> a.getValue().getStringValue())
        .findFirst()
        .orElse("");
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    for (byte b : bytes) {
      out.append(String.format("%02x", b));
    }
    return out.toString();
  }
}
