/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.ObsConfigException;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The console as a browser meets it on the metrics server's port: off unless asked for; the recent traces
 * and one trace's waterfall; filters; links out; hostile span names, attributes and events rendered as text.
 */
class ConsoleServerTest {
  private static final String SCRIPT = "<script>alert('x')</script>";
  private static final String IMG = "\"><img src=x onerror=alert(1)>";

  @Test
  void consoleOff_byDefault_obsIsNotFound() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      assertThat(get(obs, "/obs")).startsWith("HTTP/1.1 404");
    }
  }

  @Test
  void consoleOn_listsTraces_opensAWaterfall_filters_andEscapesEverythingHostile() throws IOException {
    try (Obs obs = TestObs.builder("shop")
        .set("OBS4J_CONSOLE", "true")
        .metricsServer("127.0.0.1", 0)
        .set("OBS4J_CONSOLE_JAEGER_URL", "http://127.0.0.1:16686/")
        .set("OBS4J_CONSOLE_LOGS_URL", "http://127.0.0.1:5601/app/discover#/?_a=(query:(query:'trace.id:{traceId}'))")
        .build()) {
      assertThat(obs.metricsServerAddress().getAddress().isLoopbackAddress()).isTrue();
      String[] ids = new String[2];
      obs.runInSpan("GET /orders " + SCRIPT, () -> {
        ids[0] = Span.current().getSpanContext().getTraceId();
        Span.current().setAttribute("http.route", "/orders/{id}");
        Span.current().setAttribute("note", IMG);
        Span.current().addEvent(SCRIPT);
        obs.runInSpan("load order", () -> {});
      });
      try {
        obs.runInSpan("POST /pay", () -> {
          ids[1] = Span.current().getSpanContext().getTraceId();
          LoggerFactory.getLogger(ConsoleServerTest.class).error("payment failed for {}", SCRIPT);
          throw new IllegalStateException(SCRIPT);
        });
      } catch (IllegalStateException expected) {
        // recorded on the span, as a request's failure is
      }

      // RED at a glance reads the registry's own timers, as the HTTP adapters record them.
      for (String status : new String[] {"200", "200", "200", "500"}) {
        io.micrometer.core.instrument.Timer.builder("http.server.requests")
            .tags("method", "GET", "uri", "/orders/{id}", "status", status)
            .publishPercentileHistogram()
            .register(obs.meterRegistry())
            .record(java.time.Duration.ofMillis(status.equals("500") ? 900 : 12));
      }
      String list = get(obs, "/obs");
      assertThat(list).contains("<td>GET /orders/{id}</td><td>4</td>").contains("1 (25.0%)")
          .containsPattern("&le; 1[0-9.]* ms</td><td>&le; [0-9.]+ ms</td><td>&le; (9[0-9][0-9]|1[0-9]{3}) ms");
      assertThat(list).startsWith("HTTP/1.1 200")
          .containsIgnoringCase("content-type: text/html; charset=utf-8")
          .containsIgnoringCase("content-security-policy: default-src 'none'")
          .contains("/obs/trace/" + ids[0], "/obs/trace/" + ids[1], "ERROR")
          .contains("GET /orders &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
          .doesNotContain(SCRIPT);
      // The latest errors: the ERROR line, escaped, linked to its trace.
      assertThat(list).contains("payment failed for &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
          .contains("<a href=\"/obs/trace/" + ids[1] + "\"><code>" + ids[1] + "</code></a>");
      assertThat(traceTable(get(obs, "/obs?error=1"))).contains(ids[1]).doesNotContain(ids[0]);
      assertThat(traceTable(get(obs, "/obs?route=orders"))).contains(ids[0]).doesNotContain(ids[1]);
      assertThat(traceTable(get(obs, "/obs?trace=" + ids[1].substring(0, 8)))).contains(ids[1]).doesNotContain(ids[0]);
      assertThat(get(obs, "/obs?route=%3Cscript%3E")).contains("value=\"&lt;script&gt;\"").doesNotContain("<script>");

      String trace = get(obs, "/obs/trace/" + ids[0]);
      assertThat(trace).startsWith("HTTP/1.1 200")
          .contains("load order", "/orders/{id}", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
          .contains("href=\"http://127.0.0.1:16686/trace/" + ids[0] + "\"")
          .contains("(query:&#39;trace.id:" + ids[0] + "&#39;))\">its log lines")
          .doesNotContain(SCRIPT).doesNotContain("<img");
      assertThat(get(obs, "/obs/trace/" + ids[1])).contains("class=\"err\"").doesNotContain(SCRIPT);
      assertThat(get(obs, "/obs/trace/" + "0".repeat(32))).startsWith("HTTP/1.1 404");
      assertThat(get(obs, "/obs/trace/../../metrics")).startsWith("HTTP/1.1 404");
      assertThat(get(obs, "/obs/trace/" + ids[0].toUpperCase())).startsWith("HTTP/1.1 404");
      // through a proxy on this machine, every client would look local: refused
      assertThat(get(obs, "/obs", "X-Forwarded-For: 203.0.113.9")).startsWith("HTTP/1.1 404");
      assertThat(get(obs, "/metrics")).contains("obs4j_console_spans_evicted_total");
    }
  }

  @Test
  void theListShowsAtMostTheConfiguredNumberOfTraces_theLatestFirst() throws IOException {
    try (Obs obs = TestObs.builder("shop").set("OBS4J_CONSOLE", "true").set("OBS4J_CONSOLE_TRACES", "2")
        .metricsServer("127.0.0.1", 0).build()) {
      for (int i = 0; i < 5; i++) {
        obs.runInSpan("job " + i, () -> {});
      }
      String table = traceTable(get(obs, "/obs"));
      assertThat(table).contains("job 4", "job 3").doesNotContain("job 2").doesNotContain("job 0");
    }
  }

  @Test
  void basicAuth_guardsTheConsoleToo() throws IOException {
    try (Obs obs = TestObs.builder("shop").set("OBS4J_CONSOLE", "true").metricsServer("127.0.0.1", 0)
        .metricsServerBasicAuth("prom", "pw").build()) {
      assertThat(get(obs, "/obs")).startsWith("HTTP/1.1 401");
    }
  }

  @Test
  void badLinkSettings_failTheBuild_namingThem() {
    assertThatThrownBy(() -> TestObs.builder("shop").set("OBS4J_CONSOLE_LOGS_URL", "http://kibana:5601/").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OBS4J_CONSOLE_LOGS_URL").hasMessageContaining("{traceId}");
    assertThatThrownBy(() -> TestObs.builder("shop").set("OBS4J_CONSOLE_JAEGER_URL", "javascript:alert(1)").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OBS4J_CONSOLE_JAEGER_URL");
  }

  @Test
  void onlyClientsOnThisMachine_unlessRemoteIsAllowed() {
    assertThat(LocalClient.isLoopbackAddress("127.0.0.1")).isTrue();
    assertThat(LocalClient.isLoopbackAddress("127.8.9.10")).isTrue();
    assertThat(LocalClient.isLoopbackAddress("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(LocalClient.isLoopbackAddress("[::1]")).isTrue();
    assertThat(LocalClient.isLoopbackAddress("10.1.2.3")).isFalse();
    assertThat(LocalClient.isLoopbackAddress("192.168.1.20")).isFalse();
    assertThat(LocalClient.isLoopbackAddress("localhost")).as("a name is never looked up").isFalse();
    assertThat(LocalClient.isLoopbackAddress(null)).isFalse();
    assertThat(LocalClient.isLoopbackAddress("g::1")).as("not a literal: never looked up").isFalse();
    assertThat(LocalClient.isLoopbackAddress("localhost:1")).as("not a literal: never looked up").isFalse();
    // a client on this machine, but through a proxy, or naming another host (DNS rebinding)
    assertThat(local("127.0.0.1", "127.0.0.1:9464")).isTrue();
    assertThat(local("127.0.0.1", "localhost")).isTrue();
    assertThat(local("::1", "[::1]:9464")).isTrue();
    assertThat(local("127.0.0.1", "127.0.0.1:9464", "X-Forwarded-For", "203.0.113.9")).as("behind a proxy").isFalse();
    assertThat(local("127.0.0.1", "127.0.0.1:9464", "Forwarded", "for=203.0.113.9")).as("behind a proxy").isFalse();
    assertThat(local("127.0.0.1", "127.0.0.1:9464", "X-Real-IP", "203.0.113.9")).as("behind a proxy").isFalse();
    assertThat(local("127.0.0.1", "attacker.example:9464")).as("rebinding").isFalse();
    assertThat(local("127.0.0.1", null)).isFalse();
    assertThat(local("10.1.2.3", "127.0.0.1")).isFalse();

    ConsoleServer onlyLocal = ConsoleAccessTest.server(false, ConsoleCredentials.NONE);
    assertThat(onlyLocal.serve(ConsoleAccessTest.get("10.1.2.3", "obs.example"), ConsoleServer.Mount.METRICS_SERVER).status())
        .isEqualTo(404);
    ConsoleServer remote = ConsoleAccessTest.server(true, ConsoleCredentials.NONE);
    assertThat(remote.serve(ConsoleAccessTest.get("10.1.2.3", "obs.example", "X-Forwarded-For", "203.0.113.9"),
        ConsoleServer.Mount.METRICS_SERVER).status()).isEqualTo(200);
  }

  private static boolean local(String address, String host, String... headers) {
    java.util.Map<String, String> all = new java.util.HashMap<>();
    if (host != null) {
      all.put("Host", host);
    }
    for (int i = 0; i < headers.length; i += 2) {
      all.put(headers[i], headers[i + 1]);
    }
    return LocalClient.isLocal(address, all::get);
  }

  @Test
  void aTraceAcrossTwoServices_isOneWaterfall_fromThePeerConsole_andAMissingPeerIsNamed() throws Exception {
    int closed;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closed = probe.getLocalPort(); // nothing listens here below: a peer that is down
    }
    try (Obs orders = TestObs.builder("orders").set("OBS4J_CONSOLE", "true").metricsServer("127.0.0.1", 0).build();
        Obs gateway = TestObs.builder("gateway").set("OBS4J_CONSOLE", "true").metricsServer("127.0.0.1", 0)
            .set("OBS4J_CONSOLE_PEERS", "http://127.0.0.1:" + orders.metricsServerAddress().getPort()
                + ", http://127.0.0.1:" + closed)
            .build()) {
      String[] traceId = new String[1];
      gateway.inSpan("GET /checkout", io.opentelemetry.api.trace.SpanKind.SERVER, () -> {
        traceId[0] = Span.current().getSpanContext().getTraceId();
        gateway.runInSpan("call orders", () -> {
          java.util.Map<String, String> headers = new java.util.HashMap<>();
          gateway.propagation().inject(headers);
          var request = orders.operations().startEntry(headers,
              dev.obs4j.trace.HeaderGetter.<java.util.Map<String, String>>of(java.util.Map::get, java.util.Map::keySet),
              "POST /orders", io.opentelemetry.api.trace.SpanKind.SERVER, io.opentelemetry.api.common.Attributes.empty());
          try (io.opentelemetry.context.Scope ignored = request.makeCurrent()) {
            orders.runInSpan("INSERT orders\twith a tab", () -> Span.current().setAttribute("note", "a\\b\nc"));
          }
          orders.operations().end(request, null, false, null, null, null);
        });
        return null;
      });

      String spans = get(orders, "/obs/trace/" + traceId[0] + "?spans");
      assertThat(spans).startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/tab-separated-values");
      String page = get(gateway, "/obs/trace/" + traceId[0]);
      assertThat(page).startsWith("HTTP/1.1 200").contains("4 spans from gateway, orders");
      // one waterfall, each span under its parent: gateway's two, then the orders service's two
      assertThat(page).containsSubsequence("GET /checkout", "call orders", "POST /orders", "INSERT orders\twith a tab");
      assertThat(page).containsPattern("padding-left:56px\"><details><summary>INSERT orders")
          .contains("a\\b\nc")
          .contains("Not reached, so their spans are missing: http://127.0.0.1:" + closed);
      // the orders service's own console shows its part, whose parent is elsewhere
      assertThat(get(orders, "/obs")).contains("its root span is not here");
    }
  }

  @Test
  void spanLines_roundTripEveryCharacter_andJunkIsNoSpan() {
    ViewSpan span = new ViewSpan("00f067aa0ba902b7", "", "svc\tx", "name\nwith\\odd\rchars", "server", 1, 2, true,
        "boom", java.util.List.of(java.util.Map.entry("k\t", "v\n\\"), java.util.Map.entry("event:exception", "a: b")));
    assertThat(span.line()).doesNotContain("\n").doesNotContain("\r");
    assertThat(ViewSpan.parse(span.line())).isEqualTo(span);
    assertThat(ViewSpan.parse("")).isNull();
    assertThat(ViewSpan.parse("<html>not a span</html>")).isNull();
    assertThat(ViewSpan.parse("00f067aa0ba902b7\t\ts\tn\tk\tx\t2\t0\t")).isNull();
  }

  /** The list page's table of traces, without the sections below it (which the filters do not touch). */
  private static String traceTable(String page) {
    int end = page.indexOf("<h2>Latest errors</h2>");
    assertThat(end).isPositive();
    return page.substring(0, end);
  }

  private static String get(Obs obs, String path, String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", obs.metricsServerAddress().getPort())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      String extra = headers.length == 0 ? "" : String.join("\r\n", headers) + "\r\n";
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
