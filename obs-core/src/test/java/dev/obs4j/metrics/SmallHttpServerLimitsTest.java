/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.internal.SmallHttpServer;
import dev.obs4j.internal.SmallHttpServer.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The metrics server's HTTP server at its limits, made small: the workers' queue full (a 503, while what
 * costs nothing is still answered at once) and the connections at their limit (a new one takes the place
 * of the oldest that has sent nothing).
 */
class SmallHttpServerLimitsTest {
  private static final SmallHttpServer.Limits SMALL =
      new SmallHttpServer.Limits(
          4, 4096, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2), 1, 2, 1 << 20);

  @Test
  void aFullQueue_getsA503_whileWhatCostsNothingIsAnsweredAtOnce() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    SmallHttpServer.Handler handler =
        request -> request.rawPath().equals("/slow")
            ? Response.fromWorker(() -> {
                await(release);
                return Response.ok("text/plain", "slow\n");
              })
            : Response.ok("text/plain", "fast\n");
    SmallHttpServer.Limits limits =
        new SmallHttpServer.Limits(64, 4096, Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2), 1, 2, 1 << 20);
    List<Socket> slow = new ArrayList<>();
    try (SmallHttpServer server = new SmallHttpServer(loopback(), "test-http", limits, handler)) {
      try {
        for (int i = 0; i < 4; i++) { // one on the worker, two waiting, one too many
          Socket socket = new Socket("127.0.0.1", server.address().getPort());
          slow.add(socket);
          socket.getOutputStream().write("GET /slow HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (slow.stream().allMatch(SmallHttpServerLimitsTest::nothingYet) && System.nanoTime() < until) {
          Thread.sleep(10);
        }
        List<String> first = new ArrayList<>();
        for (Socket socket : slow) {
          if (!nothingYet(socket)) {
            first.add(readAll(socket));
          }
        }
        assertThat(first).singleElement().asString().startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(get(server, "/fast")).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nfast\n");

        release.countDown();
        long slowAnswers = slow.stream().map(SmallHttpServerLimitsTest::readAllQuietly)
            .filter(answer -> answer.startsWith("HTTP/1.1 200") && answer.endsWith("slow\n")).count();
        assertThat(slowAnswers).isEqualTo(3);
      } finally {
        release.countDown();
        for (Socket socket : slow) {
          socket.close();
        }
      }
    }
  }

  @Test
  void atTheConnectionLimit_aNewConnectionTakesTheOldestSilentOnesPlace() throws Exception {
    try (SmallHttpServer server = new SmallHttpServer(loopback(), "test-http", SMALL, request -> Response.ok("text/plain", "hi\n"))) {
      List<Socket> silent = new ArrayList<>();
      try {
        for (int i = 0; i < 4; i++) {
          silent.add(new Socket("127.0.0.1", server.address().getPort()));
          assertThat(get(server, "/")).startsWith("HTTP/1.1 200"); // also: the server has taken it in
        }
        assertThat(get(server, "/")).startsWith("HTTP/1.1 200").endsWith("hi\n");
        assertThat(end(silent.get(0), 2000)).as("the oldest silent connection").isIn("EOF", "reset");
        assertThat(end(silent.get(3), 200)).as("the newest").isEqualTo("open");
      } finally {
        for (Socket socket : silent) {
          socket.close();
        }
      }
    }
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static String get(SmallHttpServer server, String path) throws IOException {
    return MetricsServerProtocolTest.send(server.address().getPort(), "GET " + path + " HTTP/1.1\r\n\r\n");
  }

  private static String end(Socket socket, int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      return socket.getInputStream().read() < 0 ? "EOF" : "data";
    } catch (SocketTimeoutException e) {
      return "open";
    } catch (SocketException e) {
      return "reset";
    }
  }

  private static boolean nothingYet(Socket socket) {
    try {
      return socket.getInputStream().available() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static String readAll(Socket socket) throws IOException {
    socket.setSoTimeout(5000);
    return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  private static String readAllQuietly(Socket socket) {
    try {
      return readAll(socket);
    } catch (IOException e) {
      return e.toString();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
