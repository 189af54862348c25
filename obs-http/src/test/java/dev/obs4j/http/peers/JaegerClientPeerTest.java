/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.peers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.jaegertracing.internal.JaegerSpan;
import io.jaegertracing.internal.JaegerSpanContext;
import io.jaegertracing.internal.JaegerTracer;
import io.jaegertracing.internal.reporters.InMemoryReporter;
import io.jaegertracing.internal.samplers.ConstSampler;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentracing.propagation.Format;
import io.opentracing.propagation.TextMapAdapter;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A service instrumented with jaeger-client-java (the OpenTracing Jaeger client, 1.8.1) and an obs4j service
 * call each other: the {@code uber-trace-id} context continues both ways.
 */
class JaegerClientPeerTest {

  private static long high(String traceId) {
    return Long.parseUnsignedLong(traceId.substring(0, 16), 16);
  }

  private static long low(String traceId) {
    return Long.parseUnsignedLong(traceId.substring(16), 16);
  }

  private static SpanData await(InMemorySpanExporter spans, SpanKind kind) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      for (SpanData span : spans.getFinishedSpanItems()) {
        if (span.getKind() == kind) {
          return span;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no " + kind + " span ended");
  }

  @Test
  void uberTraceId_continuesFromJaegerClientToObs4j_andBack() throws Exception {
    InMemoryReporter jaegerSpans = new InMemoryReporter();
    JaegerTracer jaeger =
        new JaegerTracer.Builder("legacy-service")
            .withReporter(jaegerSpans)
            .withSampler(new ConstSampler(true))
            .build();
    InMemorySpanExporter obsSpans = InMemorySpanExporter.create();
    try (Obs obs = Obs.builder().serviceName("obs4j-service").shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
            .addSpanProcessor(SimpleSpanProcessor.create(obsSpans)).build()) {
      ObsHttp http = ObsHttp.create(obs);

      // The obs4j service.
      HttpServer obsServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      obsServer.createContext("/orders", exchange -> {
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(http));
      obsServer.start();

      // The Jaeger-client service: extracts what arrives, starts a child span as Jaeger clients do.
      HttpServer legacyServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      legacyServer.createContext("/legacy", exchange -> {
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.get(0)));
        JaegerSpanContext parent = jaeger.extract(Format.Builtin.HTTP_HEADERS, new TextMapAdapter(headers));
        jaeger.buildSpan("legacy-handler").asChildOf(parent).start().finish();
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      });
      legacyServer.start();
      try {
        // Jaeger client -> obs4j server.
        JaegerSpan call = jaeger.buildSpan("legacy-call").start();
        Map<String, String> out = new HashMap<>();
        jaeger.inject(call.context(), Format.Builtin.HTTP_HEADERS, new TextMapAdapter(out));
        assertThat(out).containsKey("uber-trace-id");
        HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + obsServer.getAddress().getPort() + "/orders"));
        out.forEach(request::header);
        HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding());
        call.finish();

        SpanData server = await(obsSpans, SpanKind.SERVER);
        JaegerSpanContext sent = call.context();
        assertThat(high(server.getTraceId())).isEqualTo(sent.getTraceIdHigh());
        assertThat(low(server.getTraceId())).isEqualTo(sent.getTraceIdLow());
        assertThat(Long.parseUnsignedLong(server.getParentSpanId(), 16)).isEqualTo(sent.getSpanId());

        // obs4j client -> Jaeger-client server.
        obsSpans.reset();
        HttpClient traced = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
        obs.runInSpan("obs-job", () -> traced.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + legacyServer.getAddress().getPort() + "/legacy")).build(),
            HttpResponse.BodyHandlers.discarding()));
        SpanData client = await(obsSpans, SpanKind.CLIENT);
        JaegerSpan handler = jaegerSpans.getSpans().stream()
            .filter(s -> s.getOperationName().equals("legacy-handler")).findFirst().orElseThrow();
        assertThat(handler.context().getTraceIdHigh()).isEqualTo(high(client.getTraceId()));
        assertThat(handler.context().getTraceIdLow()).isEqualTo(low(client.getTraceId()));
        assertThat(handler.context().getParentId()).isEqualTo(Long.parseUnsignedLong(client.getSpanId(), 16));
        assertThat(handler.context().isSampled()).isTrue();
      } finally {
        obsServer.stop(0);
        legacyServer.stop(0);
        jaeger.close();
      }
    }
  }
}
