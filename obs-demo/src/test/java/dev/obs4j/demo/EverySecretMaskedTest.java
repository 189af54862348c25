/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.jdbc.PostgresServer;
import dev.obs4j.testing.UdpAgent;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One distinct secret planted in each input obs4j and the demo take that may carry one (a JDBC URL's
 * {@code password=} parameter and its {@code user:password@} form, the database password flag, OTLP
 * exporter headers, the console token, the RabbitMQ password, and a URL with user information in a
 * setting that fails {@code build()}), then the demo's three parts under traffic with an error, and three
 * starts that fail on a bad setting or an unreachable broker. Everything they wrote is scanned: standard output and error, the JSON
 * log file, every UDP datagram and every OTLP request body, every part's {@code /metrics} and console pages.
 * No planted value is there; the masked forms are, where the demo prints the input, so the scan reads the
 * places a secret would have gone.
 *
 * <p>The Slack webhook URL and a Telegram bot token are read by Alertmanager from mounted files (see the
 * compose stack); neither obs4j nor the demo reads them, so there is nothing of theirs to plant here.
 */
class EverySecretMaskedTest {
  private static final String JDBC_PARAMETER = "s3cr3t-jdbc-param-61d0";
  private static final String JDBC_USER_INFO = "s3cr3t-jdbc-userinfo-2e7a";
  private static final String JDBC_FLAG = "s3cr3t-jdbc-flag-93bc";
  private static final String OTLP_HEADER = "s3cr3t-otlp-header-4f18";
  private static final String OTLP_URL = "s3cr3t-otlp-url-a5c2";
  private static final String CONSOLE_TOKEN = "s3cr3t-console-token-7d3e";
  private static final String RABBITMQ_PASSWORD = "s3cr3t-rabbitmq-password-c0a9";
  private static final List<String> SECRETS = List.of(
      JDBC_PARAMETER, JDBC_USER_INFO, JDBC_FLAG, OTLP_HEADER, OTLP_URL, CONSOLE_TOKEN, RABBITMQ_PASSWORD);

  @Test
  void everyPlantedSecret_isAbsentFromEverythingTheDemoWrites_andMaskedWhereItIsPrinted() throws Exception {
    List<byte[]> otlpBodies = new CopyOnWriteArrayList<>();
    List<String> otlpKeys = new CopyOnWriteArrayList<>();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext("/v1/traces", exchange -> {
      try (InputStream body = exchange.getRequestBody()) {
        otlpBodies.add(body.readAllBytes());
      }
      otlpKeys.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-api-key")));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    try (PostgresServer postgres = new PostgresServer();
        UdpAgent agent = new UdpAgent()) {
      Map<String, String> environment = new LinkedHashMap<>();
      environment.put("OTEL_TRACES_EXPORTER", "jaeger,otlp"); // two exporters at once
      environment.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort());
      environment.put("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=" + OTLP_HEADER);
      environment.put("OBS4J_CONSOLE_TOKEN", CONSOLE_TOKEN);
      environment.put("DEMO_RABBITMQ_PASSWORD", RABBITMQ_PASSWORD);

      // Two starts that fail on a setting: the driver quotes the URL it could not use; build() the endpoint.
      String badUrl = DemoProcess.runToFailure(agent.port(), environment,
          "--jdbc-url", "jdbc:postgresql://postgres:" + JDBC_USER_INFO + "@127.0.0.1:" + postgres.port() + "/postgres");
      String badEndpoint = DemoProcess.runToFailure(agent.port(), environment,
          "--otlp", "ftp://collector:" + OTLP_URL + "@127.0.0.1:4318");
      String badBroker = DemoProcess.runToFailure(agent.port(), environment,
          "--jdbc-url", postgres.url(), "--jdbc-user", "postgres", "--rabbitmq", "127.0.0.1:" + DemoProcess.freePort());
      assertThat(badUrl).contains("did not start").contains("postgres:****@127.0.0.1");
      assertThat(badBroker).contains("did not start").contains("cannot reach RabbitMQ at 127.0.0.1:")
          .contains("--rabbitmq-password / DEMO_RABBITMQ_PASSWORD");
      assertThat(badEndpoint).contains("OTEL_EXPORTER_OTLP_ENDPOINT").contains("ftp://collector:****@127.0.0.1:4318");

      String stdout;
      String logs;
      List<String> pages = new ArrayList<>();
      String traceOfError;
      try (DemoProcess demo = DemoProcess.start(agent.port(), environment,
          "--jdbc-url", postgres.url() + "?user=postgres&password=" + JDBC_PARAMETER,
          "--jdbc-user", "postgres", "--jdbc-password", JDBC_FLAG)) {
        HttpResponse<String> placed = demo.post("/orders", "{\"item\": \"book\", \"quantity\": 1}", "X-User-Id", "alice");
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
        String placedTrace = placed.headers().firstValue("X-Trace-Id").orElseThrow();
        long id = DemoProcess.JSON.readTree(placed.body()).get("id").asLong();
        demo.awaitBody("/orders/" + id, body -> body.contains("\"SHIPPED\""), 30);
        assertThat(demo.get("/call-service-b").statusCode()).isEqualTo(200);
        HttpResponse<String> failed = demo.get("/serverError");
        assertThat(failed.statusCode()).isEqualTo(500);
        traceOfError = failed.headers().firstValue("X-Trace-Id").orElseThrow();
        JaegerTrace.await(agent, placedTrace, 10, 30);
        JaegerTrace.await(agent, traceOfError, 1, 30);
        awaitOtlp(otlpBodies, traceOfError);

        for (int port : new int[] {demo.gatewayPort(), demo.ordersPort(), demo.workerPort()}) {
          pages.add(demo.fetch(port, "/metrics").body());
          pages.add(demo.fetch(port, "/obs").body());
          pages.add(demo.fetch(port, "/obs/trace/" + traceOfError).body());
          pages.add(demo.fetch(port, "/obs/trace/" + placedTrace).body());
          pages.add(demo.fetch(port, "/healthy/ready").body());
        }
        stdout = demo.stdout();
        logs = new String(java.nio.file.Files.readAllBytes(demo.logFile()), StandardCharsets.UTF_8);
      }

      String datagrams = text(agent.datagrams());
      String otlp = text(otlpBodies);
      // The scan reads the right places: each output holds what the traffic put there.
      assertThat(stdout).contains("obs4j demo is up").contains("?user=postgres&password=****");
      assertThat(logs).contains(traceOfError).contains("/serverError");
      assertThat(datagrams).contains("/serverError").contains("postgresql");
      assertThat(otlp).contains("/serverError");
      assertThat(otlpKeys).as("the planted header reached the collector, where it belongs").contains(OTLP_HEADER);
      assertThat(pages).anyMatch(p -> p.contains("http_server_requests_seconds_count"))
          .anyMatch(p -> p.contains(traceOfError));

      Map<String, String> outputs = new LinkedHashMap<>();
      outputs.put("failed start, bad JDBC URL", badUrl);
      outputs.put("failed start, bad OTLP endpoint", badEndpoint);
      outputs.put("failed start, RabbitMQ away", badBroker);
      outputs.put("standard output and error", stdout);
      outputs.put("log file", logs);
      outputs.put("UDP datagrams", datagrams);
      outputs.put("OTLP request bodies", otlp);
      outputs.put("metrics and console pages", String.join("\n", pages));
      for (Map.Entry<String, String> output : outputs.entrySet()) {
        for (String secret : SECRETS) {
          assertThat(output.getValue()).as("%s holds %s", output.getKey(), secret).doesNotContain(secret);
        }
      }
    } finally {
      collector.stop(0);
    }
  }

  private static void awaitOtlp(List<byte[]> bodies, String traceId) throws InterruptedException {
    byte[] id = java.util.HexFormat.of().parseHex(traceId);
    String idText = new String(id, StandardCharsets.ISO_8859_1);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!text(bodies).contains(idText) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(text(bodies)).as("the error's trace reached the OTLP collector").contains(idText);
  }

  /** Bytes read one to one as characters: protobuf and Thrift write strings as their raw UTF-8 bytes. */
  private static String text(List<byte[]> chunks) {
    StringBuilder all = new StringBuilder();
    for (byte[] chunk : chunks) {
      all.append(new String(chunk, StandardCharsets.ISO_8859_1)).append('\n');
    }
    return all.toString();
  }
}
