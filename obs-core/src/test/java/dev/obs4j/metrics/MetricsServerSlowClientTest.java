/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.internal.SmallHttpServer;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.Gauge;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in metrics server against clients that stall: a socket that sends one byte and waits, fifty of
 * them, a flood of five hundred, a scraper that never reads its answer. {@code /health} (a Kubernetes
 * liveness probe) must keep answering within a second through all of them, the flood must cost a bounded
 * number of threads, and the server must close what stalls once its deadline has passed.
 */
class MetricsServerSlowClientTest {
  private static final String HEALTH = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  private static final String SCRAPE = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  /** The selector thread and the one worker, as MetricsServer's javadoc says. */
  private static final int THREAD_BOUND = 2;
  /** A scrape far larger than what the socket buffers on both sides hold, so that one nobody reads stalls. */
  private static final int BIG_SCRAPE_BYTES = 6 << 20;

  @Test
  void aSocketThatSendsOneByteAndWaits_doesNotStallHealth() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build();
        Socket stalled = connect(obs)) {
      stalled.getOutputStream().write('G');
      stalled.getOutputStream().flush();
      assertThat(healthWithinOneSecond(obs)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
    }
  }

  @Test
  void fiftySocketsThatSendOneByteAndWait_doNotStallHealth() throws IOException {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      List<Socket> stalled = new ArrayList<>();
      try {
        for (int i = 0; i < 50; i++) {
          Socket socket = connect(obs);
          stalled.add(socket);
          socket.getOutputStream().write('G');
          socket.getOutputStream().flush();
        }
        assertThat(healthWithinOneSecond(obs)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
      } finally {
        closeAll(stalled);
      }
    }
  }

  @Test
  void aScraperThatNeverReadsABigAnswer_doesNotStallHealth() throws Exception {
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int size = fill(obs, BIG_SCRAPE_BYTES);
      try (Socket scraper = nonReadingScraper(obs)) {
        assertThat(awaitBytes(scraper)).as("the scrape (%,d bytes) is being written", size).isTrue();
        assertThat(healthWithinOneSecond(obs)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
      }
    }
  }

  @Test
  void scrapesNobodyReads_holdAtMostTheCapOfPendingBytes_thenGetA503_andHealthStillAnswers() throws Exception {
    long cap = SmallHttpServer.Limits.DEFAULTS.maxPendingBytes();
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int size = fill(obs, BIG_SCRAPE_BYTES);
      List<Socket> scrapers = new ArrayList<>();
      List<String> statuses = new ArrayList<>();
      try {
        // One at a time, each stalled before the next: the server holds each answer until its deadline.
        for (int i = 0; i < 2 + cap / size && !statuses.contains("503"); i++) {
          Socket scraper = nonReadingScraper(obs);
          scrapers.add(scraper);
          statuses.add(status(scraper));
        }
        assertThat(statuses).as("statuses of scrapes of %,d bytes under a cap of %,d", size, cap)
            .endsWith("503")
            .containsOnly("200", "503");
        long held = (statuses.size() - 1) * (long) size;
        assertThat(held - size).as("what was held before the last scrape let in").isLessThan(cap);
        assertThat(healthWithinOneSecond(obs)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
      } finally {
        closeAll(scrapers);
      }
    }
  }

  @Test
  void aFloodOf500Connections_costsBoundedThreads_andHealthAnswers() throws IOException {
    long others = metricsThreads();
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      assertThat(get(obs, "/metrics")).startsWith("HTTP/1.1 200"); // the worker has started
      long before = metricsThreads() - others;
      List<Socket> flood = new ArrayList<>();
      long during;
      try {
        for (int i = 0; i < 500; i++) {
          Socket socket = connect(obs);
          flood.add(socket);
          if (i % 2 == 0) {
            try {
              socket.getOutputStream().write('G');
            } catch (IOException closed) {
              // the server may already have closed it to make room: a flood gets no promise
            }
          }
        }
        during = metricsThreads() - others;
        assertThat(healthWithinOneSecond(obs)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nok\n");
        assertThat(get(obs, "/metrics")).startsWith("HTTP/1.1 200").contains("obs4j_spans_started_total");
      } finally {
        closeAll(flood);
      }
      long after = metricsThreads() - others;
      assertThat(List.of(before, during, after)).as("threads before, during and after the flood")
          .allSatisfy(n -> assertThat(n).isBetween(1L, (long) THREAD_BOUND));
    }
  }

  @Test
  void stalledConnections_areClosedByTheServer_onceTheirDeadlinesPass() throws Exception {
    Duration head = SmallHttpServer.Limits.DEFAULTS.headDeadline();
    Duration write = SmallHttpServer.Limits.DEFAULTS.writeDeadline();
    Duration margin = Duration.ofSeconds(3);
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int size = fill(obs, BIG_SCRAPE_BYTES);
      try (Socket scraper = nonReadingScraper(obs)) {
        assertThat(awaitBytes(scraper)).as("the scrape (%,d bytes) is being written", size).isTrue();
        long writing = System.nanoTime();
        long opened = System.nanoTime();
        try (Socket silent = connect(obs);
            Socket oneByte = connect(obs);
            Socket halfHead = connect(obs)) {
          oneByte.getOutputStream().write('G');
          halfHead.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));

          long headUntil = opened + head.plus(margin).toNanos();
          assertThat(end(silent, headUntil)).as("a socket that sent nothing").matches("(EOF|reset) after 0 bytes");
          assertThat(end(oneByte, headUntil)).as("a socket that sent one byte").matches("(EOF|reset) after 0 bytes");
          assertThat(end(halfHead, headUntil)).as("a socket that sent half a head").matches("(EOF|reset) after 0 bytes");
        }

        // The scraper reads only once the write deadline has passed: what it then gets must end short.
        Thread.sleep(Math.max(0, (writing + write.plus(margin).toNanos() - System.nanoTime()) / 1_000_000));
        String cut = end(scraper, System.nanoTime() + margin.toNanos());
        assertThat(cut).as("a scraper that did not read").matches("(EOF|reset) after [0-9]+ bytes");
        assertThat(Long.parseLong(cut.replaceAll("\\D", ""))).isLessThan(size);
      }
      assertThat(healthWithinOneSecond(obs)).startsWith("HTTP/1.1 200");
    }
  }

  /** Registers gauges until a scrape is at least {@code bytes} long; returns the scrape's length. */
  static int fill(Obs obs, int bytes) {
    String name = "filler." + "x".repeat(200) + ".";
    int size = obs.meterRegistry().scrape().length();
    for (int i = 0; size < bytes; i++) {
      for (int j = 0; j < 1000; j++) {
        Gauge.builder(name + i + "." + j, () -> 1.0).register(obs.meterRegistry());
      }
      size = obs.meterRegistry().scrape().length();
    }
    return size;
  }

  private static Socket connect(Obs obs) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", obs.metricsServerAddress().getPort()), 2000);
    return socket;
  }

  /** A scraper with a small receive buffer that asks for {@code /metrics} and then reads nothing more. */
  private static Socket nonReadingScraper(Obs obs) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(16 << 10); // before connecting, so the window stays small
    socket.connect(new InetSocketAddress("127.0.0.1", obs.metricsServerAddress().getPort()), 2000);
    socket.getOutputStream().write(SCRAPE.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  /** Waits (at most 5 s) for the first bytes of an answer to arrive, without reading them. */
  private static boolean awaitBytes(Socket socket) throws Exception {
    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (socket.getInputStream().available() == 0 && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    return socket.getInputStream().available() > 0;
  }

  /** The status code of an answer (reading its first 12 bytes and no more), or what happened instead. */
  private static String status(Socket socket) throws IOException {
    socket.setSoTimeout(5000);
    try {
      byte[] line = socket.getInputStream().readNBytes(12);
      String text = new String(line, StandardCharsets.US_ASCII);
      return text.startsWith("HTTP/1.1 ") ? text.substring(9) : "no status line: " + text;
    } catch (SocketTimeoutException e) {
      return "no answer within 5 s";
    }
  }

  /** GET /health on a fresh connection: the whole answer, or what came of it when a second had passed. */
  private static String healthWithinOneSecond(Obs obs) throws IOException {
    long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", obs.metricsServerAddress().getPort()), 1000);
      socket.getOutputStream().write(HEALTH.getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[1024];
      while (true) {
        long left = (until - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          return answer.toString(StandardCharsets.ISO_8859_1) + " [not over within 1 s]";
        }
        socket.setSoTimeout((int) left);
        int n;
        try {
          n = socket.getInputStream().read(buffer);
        } catch (SocketTimeoutException e) {
          return answer.toString(StandardCharsets.ISO_8859_1) + " [not over within 1 s]";
        } catch (SocketException e) {
          return answer.toString(StandardCharsets.ISO_8859_1) + " [reset]";
        }
        if (n < 0) {
          return answer.toString(StandardCharsets.ISO_8859_1);
        }
        answer.write(buffer, 0, n);
      }
    }
  }

  private static String get(Obs obs, String path) throws IOException {
    return MetricsServerSecurityTest.request(obs.metricsServerAddress().getPort(), "GET " + path + " HTTP/1.1");
  }

  /** Reads until the server ends the connection or {@code untilNanos}: "EOF|reset|open after N bytes". */
  private static String end(Socket socket, long untilNanos) throws IOException {
    InputStream in = socket.getInputStream();
    byte[] buffer = new byte[64 << 10];
    long read = 0;
    while (true) {
      long left = (untilNanos - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return "open after " + read + " bytes";
      }
      socket.setSoTimeout((int) left);
      try {
        int n = in.read(buffer);
        if (n < 0) {
          return "EOF after " + read + " bytes";
        }
        read += n;
      } catch (SocketTimeoutException e) {
        return "open after " + read + " bytes";
      } catch (SocketException e) {
        return "reset after " + read + " bytes";
      }
    }
  }

  private static long metricsThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("obs4j-metrics"))
        .count();
  }

  private static void closeAll(List<Socket> sockets) {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing a client socket: nothing to do
      }
    }
  }
}
