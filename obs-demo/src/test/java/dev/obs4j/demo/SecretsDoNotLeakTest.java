/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.UdpAgent;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Secrets a client sends (an {@code Authorization} header, a session {@code Cookie}, a token in the query
 * string) reach none of the three outputs by default: not the spans (every UDP datagram the agent
 * stand-in received, scanned raw), not the JSON log file, not a scrape of any part's {@code /metrics}.
 * Requests that succeed, cross all three parts, and fail with a 500 all carry them.
 */
class SecretsDoNotLeakTest {
  private static final String BEARER = "s3cr3t-bearer-7f1c";
  private static final String COOKIE = "s3cr3t-session-9a2e";
  private static final String QUERY = "s3cr3t-query-4b8d";
  private static final String API_KEY = "s3cr3t-apikey-0c5f";
  private static final List<String> SECRETS = List.of(BEARER, COOKIE, QUERY, API_KEY);
  private static final String[] HEADERS = {
    "Authorization", "Bearer " + BEARER,
    "Cookie", "session=" + COOKIE,
    "X-Api-Key", API_KEY,
    "X-User-Id", "alice",
  };

  @Test
  void secretsInHeadersAndQueryStrings_reachNoSpanLogLineOrMetric() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port())) {
      HttpResponse<String> placed =
          demo.post("/orders?token=" + QUERY, "{\"item\": \"book\", \"quantity\": 1}", HEADERS);
      assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
      String placedTrace = placed.headers().firstValue("X-Trace-Id").orElseThrow();
      long id = DemoProcess.JSON.readTree(placed.body()).get("id").asLong();
      demo.awaitBody("/orders/" + id + "?token=" + QUERY, body -> body.contains("\"SHIPPED\""), 30);
      HttpResponse<String> failed = demo.get("/serverError?token=" + QUERY, HEADERS);
      assertThat(failed.statusCode()).isEqualTo(500);
      String failedTrace = failed.headers().firstValue("X-Trace-Id").orElseThrow();

      // Wait until both traces arrived whole, so that the scan covers them.
      JaegerTrace.await(agent, placedTrace, 10, 30);
      JaegerTrace.await(agent, failedTrace, 1, 30);
      List<String> scrapes = new ArrayList<>();
      for (int port : new int[] {demo.gatewayPort(), demo.ordersPort(), demo.workerPort()}) {
        scrapes.add(demo.scrape(port));
      }
      String logs = Files.readString(demo.logFile(), StandardCharsets.UTF_8);

      // The outputs were captured: the scan below would find a secret if one were there.
      String datagrams = datagramText(agent);
      assertThat(datagrams).contains("alice").contains("/serverError");
      assertThat(logs).contains(placedTrace).contains(failedTrace);
      assertThat(scrapes.get(0)).contains("http_server_requests_seconds_count");

      for (String secret : SECRETS) {
        assertThat(datagrams).as("spans").doesNotContain(secret);
        assertThat(logs).as("log file").doesNotContain(secret);
        for (String scrape : scrapes) {
          assertThat(scrape).as("metrics").doesNotContain(secret);
        }
      }
      // The query string is not recorded at all, whatever its content.
      assertThat(datagrams).doesNotContain("token=");
    }
  }

  /** Every datagram, as bytes read one to one: Thrift compact writes strings as their raw UTF-8 bytes. */
  private static String datagramText(UdpAgent agent) {
    StringBuilder all = new StringBuilder();
    for (byte[] datagram : agent.datagrams()) {
      all.append(new String(datagram, StandardCharsets.ISO_8859_1)).append('\n');
    }
    return all.toString();
  }
}
