/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The OTLP http/protobuf exporter against a loopback collector decoded with the OTLP proto classes. */
class OtlpExportTest {

  @Test
  void httpProtobuf_deliversSpansACollectorDecodes() throws Exception {
    List<ExportTraceServiceRequest> received = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream body = exchange.getRequestBody()) {
            contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
            received.add(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    try (Obs obs =
        TestObs.builder("inventory")
            .tracesExporter("otlp")
            .otlpEndpoint("http://127.0.0.1:" + collector.getAddress().getPort())
            .build()) {
      obs.inSpan("reserve", SpanKind.SERVER, () -> obs.inSpan("SELECT stock", SpanKind.CLIENT, () -> 1));
    } finally {
      collector.stop(0);
    }
    assertThat(contentTypes).contains("application/x-protobuf");
    List<Span> spans =
        received.stream()
            .flatMap(r -> r.getResourceSpansList().stream())
            .flatMap(rs -> rs.getScopeSpansList().stream())
            .flatMap(ss -> ss.getSpansList().stream())
            .toList();
    assertThat(spans).extracting(Span::getName).containsExactlyInAnyOrder("reserve", "SELECT stock");
    Span server = spans.stream().filter(s -> s.getName().equals("reserve")).findFirst().orElseThrow();
    Span client = spans.stream().filter(s -> s.getName().equals("SELECT stock")).findFirst().orElseThrow();
    assertThat(client.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    List<KeyValue> resource = received.get(0).getResourceSpans(0).getResource().getAttributesList();
    assertThat(resource)
        .anySatisfy(kv -> {
          assertThat(kv.getKey()).isEqualTo("service.name");
          assertThat(kv.getValue().getStringValue()).isEqualTo("inventory");
        });
  }

  @Test
  void refusedEndpoint_tracedCodeRunsUnhindered_memoryStaysBounded_andDropsAreCounted() throws Exception {
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    try (Obs obs =
        TestObs.builder("offline")
            .tracesExporter("otlp")
            .otlpEndpoint("http://127.0.0.1:" + closedPort)
            .set("OTEL_BSP_MAX_QUEUE_SIZE", "100")
            .set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "50")
            .set("OTEL_BSP_EXPORT_TIMEOUT", "500")
            .set("OBS4J_SHUTDOWN_TIMEOUT", "1000")
            .build()) {
      long start = System.nanoTime();
      for (int i = 0; i < 5000; i++) {
        assertThat(obs.inSpan("work", () -> 1)).isEqualTo(1);
        assertThat(obs.meterRegistry().get("obs4j.export.queue.size").gauge().value()).isLessThanOrEqualTo(100);
      }
      // 5,000 spans must not wait for the dead collector: far below one retry back-off.
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped", "exporter", "otlp", "reason", "queue_full"))
          .isPositive();
      // The exporter retries the refused connection for some seconds, past OTEL_BSP_EXPORT_TIMEOUT: its batch
      // counts as export_failed when the exporter gives up, not at the timeout (it might still deliver).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (TestObs.counter(obs, "obs4j.spans.dropped", "exporter", "otlp", "reason", "export_failed") == 0
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(TestObs.counter(obs, "obs4j.export.failures", "exporter", "otlp")).isPositive();
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped", "exporter", "otlp", "reason", "export_failed"))
          .isPositive();
      assertThat(TestObs.counter(obs, "obs4j.spans.exported", "exporter", "otlp")).isZero();
      double started = TestObs.counter(obs, "obs4j.spans.started");
      assertThat(started).isEqualTo(5000);
    }
  }
}
