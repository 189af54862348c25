/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Opt-in header capture, the refusal of secrets, SLO buckets, the in-flight gauge, excluded paths, traceresponse. */
class ServerOptionsTest {

  @Test
  void capturedHeaders_sloBuckets_andActiveRequests() throws Exception {
    try (Recorder service = new Recorder("options")) {
      ObsHttp http = ObsHttp.builder(service.obs)
          .captureRequestHeaders("X-Request-Id")
          .captureResponseHeaders("Content-Type")
          .serviceLevelObjectives(Duration.ofMillis(123))
          .traceIdHeader("X-Obs-Trace")
          .build();
      CountDownLatch inside = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
      server.createContext("/slow", exchange -> {
        inside.countDown();
        try {
          release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(http));
      server.start();
      try {
        var pending = HttpClient.newHttpClient().sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/slow"))
                .header("X-Request-Id", "req-42").header("Authorization", "Bearer secret").header("Cookie", "session=cookie-secret-xyz").build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(service.obs.meterRegistry().get("http.server.requests.active").gauge().value()).isEqualTo(1);
        release.countDown();
        HttpResponse<Void> response = pending.get(5, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.headers().firstValue("X-Obs-Trace")).isPresent();
      } finally {
        server.stop(0);
      }
      SpanData span = service.server();
      assertThat(span.getAttributes().get(AttributeKey.stringArrayKey("http.request.header.x-request-id")))
          .isEqualTo(List.of("req-42"));
      assertThat(span.getAttributes().get(AttributeKey.stringArrayKey("http.response.header.content-type")))
          .isEqualTo(List.of("text/plain"));
      assertThat(span.getAttributes().asMap().toString()).doesNotContain("Bearer").doesNotContain("cookie-secret-xyz");
      assertThat(service.obs.meterRegistry().get("http.server.requests.active").gauge().value()).isZero();
      CountAtBucket[] buckets = service.timer("http.server.requests", "uri", "/slow").takeSnapshot().histogramCounts();
      assertThat(Arrays.stream(buckets).map(b -> (long) b.bucket(TimeUnit.MILLISECONDS))).contains(123L);
    }
  }

  @Test
  void secrets_cannotBeCaptured() {
    try (Recorder service = new Recorder("options")) {
      assertThatThrownBy(() -> ObsHttp.builder(service.obs).captureRequestHeaders("Authorization"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Authorization");
      assertThatThrownBy(() -> ObsHttp.builder(service.obs).captureResponseHeaders("Set-Cookie"))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void excludePaths_defaultsAreTheMetricsRouteAndHealthChecks_matchedBySegment() {
    try (Recorder service = new Recorder("options")) {
      HttpServerHandler defaults = ObsHttp.create(service.obs).serverHandler();
      assertThat(ObsHttp.DEFAULT_EXCLUDED_PATHS)
          .containsExactly("/metrics", "/obs", "/health", "/healthz", "/healthy", "/ready", "/readyz", "/livez");
      for (String path : List.of("/metrics", "/health", "/health/db", "/healthz", "/healthy", "/ready", "/readyz",
          "/livez", "/livez/ping")) {
        assertThat(defaults.excludes(path)).as(path).isTrue();
      }
      for (String path : List.of("/", "/healthcheck", "/metricsx", "/orders/health", "/live", "/Health")) {
        assertThat(defaults.excludes(path)).as(path).isFalse();
      }

      HttpServerHandler custom = ObsHttp.builder(service.obs).excludePaths("/internal", "/static/").build().serverHandler();
      assertThat(custom.excludes("/internal")).isTrue();
      assertThat(custom.excludes("/internal/jobs")).isTrue();
      assertThat(custom.excludes("/internals")).isFalse();
      assertThat(custom.excludes("/static/app.css")).isTrue();
      assertThat(custom.excludes("/static")).isFalse();
      assertThat(custom.excludes("/health")).as("the list replaces the defaults").isFalse();

      HttpServerHandler none = ObsHttp.builder(service.obs).excludePaths().build().serverHandler();
      assertThat(none.excludes("/metrics")).isFalse();
      assertThat(none.excludes("/health")).isFalse();

      assertThatThrownBy(() -> ObsHttp.builder(service.obs).excludePaths("health"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("health");
    }
  }

  @Test
  void excludePaths_emptied_healthChecksAreTracedAgain() throws Exception {
    try (Recorder service = new Recorder("options")) {
      ObsHttp http = ObsHttp.builder(service.obs).excludePaths().build();
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/health", exchange -> {
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(http));
      server.start();
      try {
        HttpResponse<Void> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/health")).build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(response.headers().firstValue("X-Trace-Id")).isPresent();
      } finally {
        server.stop(0);
      }
      assertThat(service.server().getName()).isEqualTo("GET /health");
    }
  }

  @Test
  void traceresponse_isNotSampled_whenTheSpanIsNotRecorded_butXTraceIdStays() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    Recorder service = new Recorder("closing");
    ObsHttp http = ObsHttp.create(service.obs);
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/hello", exchange -> {
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    }).getFilters().add(ObsHttpServerFilter.create(http));
    server.start();
    // Shut down (a graceful stop still serving its last requests): the tracer hands back the caller's
    // context as a span that records nothing, with the caller's sampled flag.
    service.close();
    try {
      HttpResponse<Void> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hello"))
              .header("traceparent", "00-" + trace + "-00f067aa0ba902b7-01").build(),
          HttpResponse.BodyHandlers.discarding());
      assertThat(response.statusCode()).isEqualTo(204);
      assertThat(response.headers().firstValue("traceresponse"))
          .hasValueSatisfying(v -> assertThat(v).startsWith("00-" + trace + "-").endsWith("-00")); // the caller's flags were 01
      assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(trace);
    } finally {
      server.stop(0);
    }
    assertThat(service.spans.getFinishedSpanItems()).isEmpty();
  }
}
