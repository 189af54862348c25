/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.HttpClientHandler;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.client.ObsHttpClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** integrations/http-client.adoc: the wrapped JDK client, and any other client through the handler. */
class HttpClientDocTest {
  @Test
  void everySendIsAClientSpanWithTraceHeadersAndATimer() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<String> traceparents = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> { // a service obs4j knows nothing about
      traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      boolean missing = exchange.getRequestURI().getPath().startsWith("/missing");
      exchange.sendResponseHeaders(missing ? 404 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    try (Obs obs = Docs.builder("checkout", spans).build()) {
      ObsHttp http = ObsHttp.create(obs);
      // tag::wrap[]
      HttpClient client = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
      // end::wrap[]
      String body = obs.inSpan("checkout", () -> client.send(
          HttpRequest.newBuilder(URI.create(base + "/orders/17?token=secret")).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertThat(body).isEqualTo("ok");
      SpanData call = Docs.span(spans, SpanKind.CLIENT);
      assertThat(call.getName()).isEqualTo("GET");
      assertThat(call.getParentSpanId()).isEqualTo(Docs.span(spans, "checkout").getSpanId());
      assertThat(call.getAttributes().get(AttributeKey.stringKey("url.full")))
          .as("no query string")
          .isEqualTo(base + "/orders/17");
      assertThat(call.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
      assertThat(call.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
      assertThat(traceparents).singleElement().asString()
          .startsWith("00-" + call.getTraceId() + "-" + call.getSpanId() + "-");

      spans.reset();
      client.send(HttpRequest.newBuilder(URI.create(base + "/missing")).build(), HttpResponse.BodyHandlers.discarding());
      SpanData missing = Docs.span(spans, SpanKind.CLIENT);
      assertThat(missing.getStatus().getStatusCode()).as("a 404 fails the CLIENT span").isEqualTo(StatusCode.ERROR);
      assertThat(missing.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("404");

      spans.reset();
      HttpClient refused = ObsHttpClient.wrap(http, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
      assertThatThrownBy(() -> refused.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort + "/")).build(),
          HttpResponse.BodyHandlers.discarding()))
          .isInstanceOf(ConnectException.class);
      assertThat(Docs.span(spans, SpanKind.CLIENT).getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("java.net.ConnectException");

      assertThat(Docs.scrape(obs))
          .contains("http_client_requests_seconds_count{client_name=\"127.0.0.1\",exception=\"None\",method=\"GET\","
              + "outcome=\"SUCCESS\",service=\"checkout\",status=\"200\",uri=\"none\"} 1")
          .contains("outcome=\"CLIENT_ERROR\",service=\"checkout\",status=\"404\",uri=\"none\"} 1")
          .contains("exception=\"ConnectException\",method=\"GET\",outcome=\"UNKNOWN\",service=\"checkout\","
              + "status=\"CLIENT_ERROR\",uri=\"none\"} 1");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anyOtherClientThroughTheClientHandler() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<String> traceparents = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders/17");
    try (Obs obs = Docs.builder("checkout", spans).build()) {
      ObsHttp http = ObsHttp.create(obs);
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(5_000);
      connection.setReadTimeout(10_000);
      // tag::handler[]
      HttpClientHandler handler = http.clientHandler();
      HttpClientHandler.Call call =
          handler.start("GET", uri, "/orders/{id}", connection, HttpURLConnection::setRequestProperty);
      try {
        int status = connection.getResponseCode();
        handler.end(call, status, null);
      } catch (IOException e) {
        handler.end(call, -1, e);
        throw e;
      }
      // end::handler[]
      SpanData sent = Docs.span(spans, "GET /orders/{id}");
      assertThat(sent.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(traceparents).singleElement().asString()
          .startsWith("00-" + sent.getTraceId() + "-" + sent.getSpanId() + "-");
      assertThat(Docs.scrape(obs)).contains("status=\"204\",uri=\"/orders/{id}\"} 1");
    } finally {
      server.stop(0);
    }
  }
}
