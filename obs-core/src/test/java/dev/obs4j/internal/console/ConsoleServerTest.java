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
      assertThat(get(obs, "/metrics")).contains("obs4j_console_spans_evicted_total");
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
    ConsolePage local = new ConsolePage(new TraceRing(1, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "shop", null, null, false);
    assertThat(local.allows("127.0.0.1")).isTrue();
    assertThat(local.allows("127.8.9.10")).isTrue();
    assertThat(local.allows("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(local.allows("[::1]")).isTrue();
    assertThat(local.allows("10.1.2.3")).isFalse();
    assertThat(local.allows("192.168.1.20")).isFalse();
    assertThat(local.allows("localhost")).as("a name is never looked up").isFalse();
    assertThat(local.allows(null)).isFalse();
    ConsolePage remote = new ConsolePage(new TraceRing(1, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "shop", null, null, true);
    assertThat(remote.allows("10.1.2.3")).isTrue();
  }

  /** The list page's table of traces, without the sections below it (which the filters do not touch). */
  private static String traceTable(String page) {
    int end = page.indexOf("<h2>Latest errors</h2>");
    assertThat(end).isPositive();
    return page.substring(0, end);
  }

  private static String get(Obs obs, String path) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", obs.metricsServerAddress().getPort())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
