/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.apache.ObsApacheHttpClient;
import dev.obs4j.http.okhttp.ObsOkHttp;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** integrations/apache-httpclient.adoc and integrations/okhttp.adoc: the snippets, run against a real server. */
class HttpClientLibrariesDocTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();
  private HttpServer server;
  private String base;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> { // a service obs4j knows nothing about
      traceparents.add(String.valueOf(exchange.getRequestHeaders().getFirst("traceparent")));
      if (exchange.getRequestURI().getPath().equals("/old")) {
        exchange.getResponseHeaders().add("Location", "/orders/17");
        exchange.sendResponseHeaders(301, -1);
      } else {
        exchange.sendResponseHeaders(204, -1);
      }
      exchange.close();
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private List<SpanData> clientSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<SpanData> clients;
    do {
      clients = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
          .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
      Thread.sleep(clients.size() < count ? 10 : 0);
    } while (clients.size() < count && System.nanoTime() < deadline);
    assertThat(clients).hasSize(count);
    return clients;
  }

  @Test
  void apacheHttpClient_classicAndAsync() throws Exception {
    try (Obs obs = Docs.builder("checkout", spans).build()) {
      ObsHttp http = ObsHttp.create(obs);
      // tag::apache[]
      ObsApacheHttpClient tracing = ObsApacheHttpClient.create(http);
      CloseableHttpClient client = tracing.instrument(HttpClients.custom()).build();
      CloseableHttpAsyncClient asyncClient = tracing.instrument(HttpAsyncClients.custom()).build();
      // end::apache[]
      try (client; asyncClient) {
        asyncClient.start();
        int status = obs.inSpan("checkout", () -> client.execute(new HttpGet(base + "/old"), response -> response.getCode()));
        assertThat(status).isEqualTo(204);
        List<SpanData> attempts = clientSpans(2);
        assertThat(attempts).extracting(SpanData::getName).containsExactly("GET", "GET");
        assertThat(attempts).extracting(s -> s.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
            .containsExactly(301L, 204L);
        assertThat(attempts.get(1).getAttributes().get(AttributeKey.longKey("http.request.resend_count"))).isEqualTo(1L);
        assertThat(traceparents.get(1)).contains(attempts.get(1).getSpanId());

        spans.reset();
        assertThat(asyncClient.execute(SimpleRequestBuilder.get(base + "/orders/17").build(), null)
            .get(10, TimeUnit.SECONDS).getCode()).isEqualTo(204);
        assertThat(clientSpans(1).get(0).getAttributes().get(AttributeKey.stringKey("url.full")))
            .isEqualTo(base + "/orders/17");
      }
    }
  }

  @Test
  void okHttp() throws Exception {
    try (Obs obs = Docs.builder("checkout", spans).build()) {
      ObsHttp http = ObsHttp.create(obs);
      // tag::okhttp[]
      OkHttpClient client = ObsOkHttp.wrap(http, new OkHttpClient());
      // end::okhttp[]
      int status = obs.inSpan("checkout", () -> {
        try (Response response = client.newCall(new Request.Builder().url(base + "/old").build()).execute()) {
          return response.code();
        }
      });
      assertThat(status).isEqualTo(204);
      List<SpanData> attempts = clientSpans(2);
      assertThat(attempts).extracting(s -> s.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
          .containsExactly(301L, 204L);
      assertThat(attempts).extracting(SpanData::getParentSpanId).containsOnly(Docs.span(spans, "checkout").getSpanId());
      assertThat(Docs.scrape(obs)).contains("status=\"301\",uri=\"none\"} 1").contains("status=\"204\",uri=\"none\"} 1");
      client.dispatcher().executorService().shutdown();
    }
  }
}
