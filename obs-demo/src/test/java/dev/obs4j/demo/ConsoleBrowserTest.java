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
 * the latest errors linked to its trace, and the orders service's console opens the order's trace as a
 * waterfall with its database and queue spans. Screenshots go to target/screenshots.
 */
class ConsoleBrowserTest {
  private static final Path SHOTS = Path.of("target", "screenshots");

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

      String orders = "http://127.0.0.1:" + demo.ordersPort();
      String waterfall = Chromium.dom(orders + "/obs/trace/" + orderTrace);
      assertThat(waterfall).contains("POST /orders").contains("OrderBook.place").contains("INSERT")
          .contains("publish orders").contains("in Jaeger").contains("its log lines");
      assertThat(waterfall.indexOf("OrderBook.place")).isLessThan(waterfall.indexOf("publish orders"));

      Chromium.screenshot(gateway + "/obs", SHOTS.resolve("console-gateway.png"), 1000);
      Chromium.screenshot(orders + "/obs/trace/" + orderTrace, SHOTS.resolve("console-trace.png"), 600);
      assertThat(Files.size(SHOTS.resolve("console-gateway.png"))).isGreaterThan(20_000);
      assertThat(Files.size(SHOTS.resolve("console-trace.png"))).isGreaterThan(10_000);
    }
  }
}
