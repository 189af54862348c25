/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.Chromium;
import dev.obs4j.testing.UdpAgent;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The console as a developer meets it: the demo (which turns it on) in a real headless Chromium. After
 * POST /orders and GET /serverError, the gateway's console lists both requests, shows the failure among
 * the latest errors linked to its trace, and opens the order's trace as one waterfall of all three parts,
 * database and queue included, from the spans the other parts' consoles hold. Screenshots go to
 * target/screenshots.
 */
class ConsoleBrowserTest {
  private static final Path SHOTS = Path.of("target", "screenshots");

  /** Polls {@code url} (plain HTTP) until its body satisfies {@code done}: the worker's spans end after SHIPPED shows. */
  private static void awaitPage(String url, java.util.function.Predicate<String> done, int seconds) throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      if (done.test(body)) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(url + " never satisfied the test; last body: " + body);
  }

  @Test
  void demoConsole_inChromium_listsTheRequests_theLatestError_andTheWaterfall() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port())) {
      HttpResponse<String> placed = demo.post("/orders", "{\"item\": \"book\", \"quantity\": 2}", "X-User-Id", "alice");
      assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
      String orderTrace = placed.headers().firstValue("X-Trace-Id").orElseThrow();
      HttpResponse<String> failed = demo.get("/serverError");
      assertThat(failed.statusCode()).isEqualTo(500);
      String errorTrace = failed.headers().firstValue("X-Trace-Id").orElseThrow();

      String gateway = "http://127.0.0.1:" + demo.gatewayPort();
      String list = Chromium.dom(gateway + "/obs");
      assertThat(list)
          .contains("Recent traces of gateway")
          .contains("/obs/trace/" + orderTrace)
          .contains("/obs/trace/" + errorTrace)
          .contains("alice")
          .contains("Latest errors")
          .containsPattern("GET /serverError failed with 500[^<]*<br><small>[^<]*</small></td><td><a href=\"/obs/trace/"
              + errorTrace + "\"")
          .contains("POST /orders");

      // The gateway's console shows the whole trace: its own spans and those the other two parts' consoles
      // hold, each under its parent, in the order they ran.
      long id = DemoProcess.JSON.readTree(placed.body()).get("id").asLong();
      demo.awaitBody("/orders/" + id, body -> body.contains("\"SHIPPED\""), 30);
      awaitPage(gateway + "/obs/trace/" + orderTrace, page -> page.contains("10 spans from"), 30);
      String waterfall = Chromium.dom(gateway + "/obs/trace/" + orderTrace);
      assertThat(waterfall)
          .contains("spans from gateway, orders, worker")
          .containsSubsequence("POST /orders", "validate order", "OrderBook.place", "INSERT orders",
              "publish orders", "process orders", "OrderBook.ship", "UPDATE orders")
          .contains("in Jaeger").contains("its log lines")
          .doesNotContain("Not reached");

      Chromium.screenshot(gateway + "/obs", SHOTS.resolve("console-gateway.png"), 1000);
      Chromium.screenshot(gateway + "/obs/trace/" + orderTrace, SHOTS.resolve("console-trace.png"), 700);
      assertThat(Files.size(SHOTS.resolve("console-gateway.png"))).isGreaterThan(20_000);
      assertThat(Files.size(SHOTS.resolve("console-trace.png"))).isGreaterThan(10_000);
    }
  }
}
