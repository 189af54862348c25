/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The wrapped JDK client calling an instrumented JDK server: one trace, client span parent of server span. */
class HttpClientTest {

  /** Starts a server reporting to {@code exporter}, answering /ok 200, /down 503; returns it. */
  private static HttpServer server(ObsHttp http, Map<String, String> seenHeaders) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), v.get(0)));
      int status = exchange.getRequestURI().getPath().equals("/down") ? 503 : 200;
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).getFilters().add(ObsHttpServerFilter.create(http));
    server.start();
    return server;
  }

  private static Obs obs(String service, InMemorySpanExporter exporter, String propagator) {
    return Obs.builder().serviceName(service).shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
        .propagators(propagator)
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  }

  private static SpanData only(InMemorySpanExporter exporter, SpanKind kind) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<SpanData> spans;
    do {
      spans = exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
      if (spans.size() == 1) {
        return spans.get(0);
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected one " + kind + " span, got " + spans);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tracecontext", "jaeger", "b3", "b3multi"})
  void wrappedClient_continuesItsTraceIntoTheServer_inEachFormat(String propagator) throws Exception {
    InMemorySpanExporter clientSpans = InMemorySpanExporter.create();
    InMemorySpanExporter serverSpans = InMemorySpanExporter.create();
    Map<String, String> seen = new ConcurrentHashMap<>();
    try (Obs clientObs = obs("caller", clientSpans, propagator);
        Obs serverObs = obs("callee", serverSpans, propagator)) {
      HttpServer server = server(ObsHttp.create(serverObs), seen);
      try {
        HttpClient client = ObsHttpClient.wrap(ObsHttp.create(clientObs), HttpClient.newHttpClient());
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ok?q=secret");
        HttpResponse<String> sync = clientObs.inSpan("job", () -> client.send(
            HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
        assertThat(sync.statusCode()).isEqualTo(200);

        SpanData job = clientSpans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("job")).findFirst().orElseThrow();
        SpanData clientSpan = only(clientSpans, SpanKind.CLIENT);
        SpanData serverSpan = only(serverSpans, SpanKind.SERVER);
        assertThat(clientSpan.getName()).isEqualTo("GET");
        assertThat(clientSpan.getParentSpanId()).isEqualTo(job.getSpanId());
        assertThat(serverSpan.getTraceId()).isEqualTo(clientSpan.getTraceId());
        assertThat(serverSpan.getParentSpanId()).isEqualTo(clientSpan.getSpanId());
        assertThat(clientSpan.getAttributes().get(AttributeKey.stringKey("url.full")))
            .isEqualTo("http://127.0.0.1:" + server.getAddress().getPort() + "/ok");
        assertThat(clientSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        switch (propagator) {
          case "tracecontext" -> assertThat(seen).containsKey("traceparent").doesNotContainKey("uber-trace-id");
          case "jaeger" -> assertThat(seen).containsKey("uber-trace-id").doesNotContainKey("traceparent");
          case "b3" -> assertThat(seen).containsKey("b3");
          default -> assertThat(seen).containsKey("x-b3-traceid");
        }
        assertThat(clientObs.meterRegistry().get("http.client.requests")
            .tags("method", "GET", "status", "200", "outcome", "SUCCESS", "client.name", "127.0.0.1").timer().count())
            .isEqualTo(1);

        clientSpans.reset();
        serverSpans.reset();
        HttpResponse<String> async = client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
            .get(10, TimeUnit.SECONDS);
        assertThat(async.statusCode()).isEqualTo(200);
        assertThat(only(serverSpans, SpanKind.SERVER).getParentSpanId()).isEqualTo(only(clientSpans, SpanKind.CLIENT).getSpanId());
      } finally {
        server.stop(0);
      }
    }
  }

  @Test
  void fiveHundredsAndConnectionFailures_areClientErrors_andAreCounted() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = obs("caller", spans, "tracecontext")) {
      HttpServer server = server(ObsHttp.create(obs), new ConcurrentHashMap<>());
      HttpClient client = ObsHttpClient.wrap(ObsHttp.create(obs), HttpClient.newHttpClient());
      try {
        HttpResponse<String> down = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/down")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(down.statusCode()).isEqualTo(503);
      } finally {
        server.stop(0);
      }
      SpanData failed = only(spans, SpanKind.CLIENT);
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("503");

      spans.reset();
      int closed;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closed = probe.getLocalPort();
      }
      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closed + "/x")).build(),
          HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
      SpanData refused = only(spans, SpanKind.CLIENT);
      assertThat(refused.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(refused.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("java.net.ConnectException");
      assertThat(obs.meterRegistry().get("http.client.requests").tags("status", "CLIENT_ERROR", "exception", "ConnectException")
          .timer().count()).isEqualTo(1);
    }
  }
}
