/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The console asking its peers: a peer that stalls costs no thread and no connection past the deadline. */
class PeerClientTest {

  @Test
  void aPeerThatAnnouncesAMegabyteAndSleeps_holdsNoThreadAndNoConnection() throws Exception {
    List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
    try (ServerSocket peer = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!peer.isClosed()) {
          try {
            Socket socket = peer.accept();
            accepted.add(socket);
            OutputStream out = socket.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/tab-separated-values\r\nContent-Length: 1048576\r\n\r\n"
                + "0".repeat(100)).getBytes(StandardCharsets.US_ASCII));
            out.flush(); // ... and then nothing more: the peer sleeps
          } catch (IOException closed) {
            return;
          }
        }
      }, "stalling-peer");
      acceptor.setDaemon(true);
      acceptor.start();

      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      TraceRing ring = new TraceRing(100, registry);
      String traceId;
      try (Obs obs = TestObs.builder("gateway").addSpanProcessor(ring).build()) {
        traceId = obs.inSpan("GET /checkout", () -> Span.current().getSpanContext().getTraceId());
      }
      ConsoleServer console = ConsoleServer.create(ring, registry, "gateway", null, null, false,
          List.of(URI.create("http://127.0.0.1:" + peer.getLocalPort())), 100, ConsoleCredentials.NONE);
      ConsoleServer.Request view =
          ConsoleAccessTest.request("GET", "/obs/trace/" + traceId, "127.0.0.1", "127.0.0.1");
      try {
        assertThat(page(console, view)).contains("Not reached, so their spans are missing: http://127.0.0.1:" + peer.getLocalPort());
        long before = clientThreads();

        ExecutorService viewers = Executors.newFixedThreadPool(20);
        try {
          List<Future<String>> pages = new ArrayList<>();
          for (int i = 0; i < 20; i++) {
            pages.add(viewers.submit(() -> page(console, view)));
          }
          for (Future<String> page : pages) {
            assertThat(page.get(10, TimeUnit.SECONDS)).contains("Not reached").contains("GET /checkout");
          }
        } finally {
          viewers.shutdownNow();
        }
        assertThat(clientThreads()).as("HttpClient threads after 20 views of a stalled peer").isLessThanOrEqualTo(before);

        // the client gave up every exchange: each connection the peer accepted is closed from the console's side
        assertThat(accepted).hasSize(21);
        for (Socket socket : List.copyOf(accepted)) {
          assertThat(closedByClient(socket)).as("connection closed by the console").isTrue();
        }
      } finally {
        console.close();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (threadsNamed("obs4j-console-peers") > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(threadsNamed("obs4j-console-peers")).as("closed with the console").isZero();
    }
  }

  private static String page(ConsoleServer console, ConsoleServer.Request request) {
    return new String(console.serve(request, ConsoleServer.Mount.METRICS_SERVER).body(), StandardCharsets.UTF_8);
  }

  /** Whether the other side closed {@code socket} (end of stream or a reset) within 5 s. */
  private static boolean closedByClient(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    InputStream in = socket.getInputStream();
    try {
      while (in.read() >= 0) {
        // the request's bytes, read past
      }
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    } finally {
      socket.close();
    }
  }

  private static long clientThreads() {
    return threadsNamed("HttpClient") + threadsNamed("obs4j-console-peers");
  }

  private static long threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
  }
}
