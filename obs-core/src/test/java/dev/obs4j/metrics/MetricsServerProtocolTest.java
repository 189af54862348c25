/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in metrics server's HTTP as raw bytes on a socket: HTTP/1.0 and 1.1, targets in absolute form,
 * heads that do not parse (400, 505) or do not fit (431), HEAD, a request body, and every answer closing
 * its connection.
 */
class MetricsServerProtocolTest {

  @Test
  void http10_bareLineFeeds_aLeadingEmptyLine_andAbsoluteFormTargets_areAnswered() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int port = obs.metricsServerAddress().getPort();
      assertThat(send(port, "GET /health HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 OK\r\n").endsWith("\r\n\r\nok\n");
      assertThat(send(port, "GET /health HTTP/1.1\nHost: 127.0.0.1\n\n")).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
      assertThat(send(port, "\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).startsWith("HTTP/1.1 200");
      assertThat(send(port, "GET http://127.0.0.1:" + port + "/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
          .startsWith("HTTP/1.1 200").contains("obs4j_spans_started_total");
      assertThat(send(port, "GET HTTP://localhost/health?probe=1 HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200");
      assertThat(send(port, "GET http://localhost/metrics/ HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 404");
      for (String target : List.of("http://user@localhost/metrics", "http:///metrics", "ftp://localhost/metrics", "metrics")) {
        assertThat(send(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")).as(target).startsWith("HTTP/1.1 400");
      }
    }
  }

  @Test
  void headsThatDoNotParse_get400or505_withNoBody() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int port = obs.metricsServerAddress().getPort();
      String host = "Host: 127.0.0.1\r\n";
      for (String head :
          List.of(
              "GET /metrics HTTP/1.1\r\n" + host + "Accept: text/plain\rX-Injected: yes\r\n\r\n",
              "GET /metrics HTTP/1.1\r\n" + host + "Accept: text/\u0000plain\r\n\r\n",
              "GET /metrics HTTP/1.1\r\n" + host + "Accept text/plain\r\n\r\n",
              "GET /metrics HTTP/1.1\r\n" + host + "Accept : text/plain\r\n\r\n",
              "GET /metrics HTTP/1.1\r\n" + host + "Accept: text/plain,\r\n application/json\r\n\r\n",
              "GET /metrics HTTP/1.1\r\n" + host + "Host: attacker.example\r\n\r\n",
              "GET /metrics HTTP/1.1\r\n" + host + "\u00e9: x\r\n\r\n",
              "GET /metrics\r\n" + host + "\r\n",
              "GET  /metrics HTTP/1.1\r\n" + host + "\r\n",
              "GET /met rics HTTP/1.1\r\n" + host + "\r\n",
              "GET /metrics#top HTTP/1.1\r\n" + host + "\r\n",
              "GET /m\u00e9trics HTTP/1.1\r\n" + host + "\r\n",
              "G\u0000T /metrics HTTP/1.1\r\n" + host + "\r\n",
              "GET /metrics HTTP/1.1x\r\n" + host + "\r\n",
              "GET /metrics http/1.1\r\n" + host + "\r\n")) {
        String answer = send(port, head);
        assertThat(answer).as(head).startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith("\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .doesNotContain("X-Injected");
      }
      assertThat(send(port, "GET /metrics HTTP/2.0\r\n" + host + "\r\n")).startsWith("HTTP/1.1 505 HTTP Version Not Supported");
      assertThat(send(port, "GET /health HTTP/1.1\r\n" + host + "\r\n")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void aHeadOver16KiB_gets431_oneUnder_isAnswered() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int port = obs.metricsServerAddress().getPort();
      String under = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + "p".repeat(15_000) + "\r\n\r\n";
      assertThat(send(port, under)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
      String over = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + "p".repeat(17 << 10) + "\r\n\r\n";
      assertThat(send(port, over)).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n").doesNotContain("ok\n");
      String longLine = "GET /health?" + "q".repeat(20_000) + " HTTP/1.1\r\n\r\n";
      assertThat(send(port, longLine)).startsWith("HTTP/1.1 431");
      assertThat(send(port, "GET /health HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void head_carriesTheLengthAndNoBody_aRequestBodyIsIgnored_andEveryAnswerClosesItsConnection() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int port = obs.metricsServerAddress().getPort();
      String head = send(port, "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
      assertThat(head).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n")
          .contains("\r\nContent-Type: " + PrometheusScrape.TEXT + "\r\n", "\r\nX-Content-Type-Options: nosniff\r\n")
          .containsPattern("\r\nContent-Length: [1-9][0-9]{2,}\r\n");
      assertThat(send(port, "HEAD /health HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200").endsWith("\r\nContent-Length: 3\r\nConnection: close\r\n\r\n");
      // No "Connection: close" from the client, a body it should not have sent, then a second request:
      // one answer, then the server closes (send reads to the end of the stream).
      String withBody = send(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhelloGET /metrics HTTP/1.1\r\n\r\n");
      assertThat(withBody).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n").containsOnlyOnce("HTTP/1.1");
      assertThat(send(port, "POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"))
          .startsWith("HTTP/1.1 405").contains("\r\nAllow: GET, HEAD\r\n", "\r\nConnection: close\r\n");
    }
  }

  /** Sends {@code request} as written (ISO-8859-1) and reads the answer to the end of the stream (5 s at most). */
  static String send(int port, String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
