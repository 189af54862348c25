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
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A child JVM running {@link AgentPeer} under the OpenTelemetry Java agent (2.33.1) calls an obs4j server and
 * serves a call from an obs4j client: the W3C context continues both ways. The agent's spans are read from
 * its OTLP export, received on loopback and decoded with the OTLP proto classes.
 */
class OpenTelemetryAgentPeerTest {

  private static String hex(com.google.protobuf.ByteString bytes) {
    return HexFormat.of().formatHex(bytes.toByteArray());
  }

  @Test
  void w3cContext_continuesFromTheAgentToObs4j_andBack() throws Exception {
    Path agent = Path.of("target/agent/opentelemetry-javaagent.jar");
    assertThat(agent).as("copied by the build (maven-dependency-plugin)").exists();

    List<ExportTraceServiceRequest> exported = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    collector.createContext("/v1/traces", exchange -> {
      try (InputStream body = exchange.getRequestBody()) {
        exported.add(ExportTraceServiceRequest.parseFrom(body.readAllBytes()));
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();

    InMemorySpanExporter obsSpans = InMemorySpanExporter.create();
    Process peer = null;
    try (Obs obs = Obs.builder().serviceName("obs4j-service").shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
            .addSpanProcessor(SimpleSpanProcessor.create(obsSpans)).build()) {
      ObsHttp http = ObsHttp.create(obs);
      HttpServer obsServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      obsServer.createContext("/orders", exchange -> {
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(http));
      obsServer.start();
      try {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        peer = new ProcessBuilder(
                java,
                "-javaagent:" + agent.toAbsolutePath(),
                "-Dotel.service.name=agent-peer",
                "-Dotel.traces.exporter=otlp",
                "-Dotel.exporter.otlp.protocol=http/protobuf",
                "-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + collector.getAddress().getPort(),
                "-Dotel.metrics.exporter=none",
                "-Dotel.logs.exporter=none",
                "-Dotel.bsp.schedule.delay=100",
                "-Dotel.javaagent.logging=none",
                "-cp",
                Path.of("target/test-classes").toAbsolutePath().toString(),
                AgentPeer.class.getName(),
                "http://127.0.0.1:" + obsServer.getAddress().getPort() + "/orders")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
        int peerPort = -1;
        String called = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while ((peerPort < 0 || called == null) && System.nanoTime() < deadline) {
          String line = out.readLine();
          if (line == null) {
            break;
          }
          if (line.startsWith("PORT ")) {
            peerPort = Integer.parseInt(line.substring(5).trim());
          } else if (line.startsWith("CALLED ")) {
            called = line;
          }
        }
        assertThat(peerPort).as("the agent peer started").isPositive();
        assertThat(called).isEqualTo("CALLED 200");

        HttpClient traced = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
        int port = peerPort;
        String body = obs.inSpan("obs-job", () -> traced.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/peer")).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        assertThat(body).isEqualTo("peer");
        try (Writer in = new java.io.OutputStreamWriter(peer.getOutputStream(), StandardCharsets.UTF_8)) {
          in.write("quit\n");
        }
        assertThat(peer.waitFor(60, TimeUnit.SECONDS)).isTrue();
      } finally {
        obsServer.stop(0);
      }

      List<Span> agentSpans = exported.stream()
          .flatMap(r -> r.getResourceSpansList().stream())
          .flatMap(rs -> rs.getScopeSpansList().stream())
          .flatMap(ss -> ss.getSpansList().stream())
          .toList();
      Span agentClient = agentSpans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
          .findFirst().orElseThrow(() -> new AssertionError("no agent client span in " + agentSpans));
      Span agentServer = agentSpans.stream().filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER)
          .findFirst().orElseThrow(() -> new AssertionError("no agent server span in " + agentSpans));

      SpanData obsServerSpan = obsSpans.getFinishedSpanItems().stream()
          .filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
      SpanData obsClientSpan = obsSpans.getFinishedSpanItems().stream()
          .filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();

      // agent client -> obs4j server
      assertThat(obsServerSpan.getTraceId()).isEqualTo(hex(agentClient.getTraceId()));
      assertThat(obsServerSpan.getParentSpanId()).isEqualTo(hex(agentClient.getSpanId()));
      // obs4j client -> agent server
      assertThat(hex(agentServer.getTraceId())).isEqualTo(obsClientSpan.getTraceId());
      assertThat(hex(agentServer.getParentSpanId())).isEqualTo(obsClientSpan.getSpanId());
      assertThat(agentServer.getName()).contains("GET");
    } finally {
      if (peer != null && peer.isAlive()) {
        peer.destroyForcibly();
      }
      collector.stop(0);
    }
  }
}
