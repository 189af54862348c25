/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The console's ring holds at most its documented bytes whatever the clients send: 10,000 sampled requests
 * with an 8 KB {@code User-Agent} (80 MB of header text) retain at most {@code OBS4J_CONSOLE_MAX_BYTES}
 * (16 MiB by default), measured on the heap after full collections, not by the ring's own count.
 */
class ConsoleMemoryTest {
  private static final long DOCUMENTED_BOUND = 16L << 20;

  @Test
  void tenThousandRequestsWithAnEightKilobyteUserAgent_retainAtMostTheDocumentedBound() throws Exception {
    String agent = "Mozilla/5.0 " + "x".repeat(8192 - 12);
    HttpClient client = HttpClient.newHttpClient();
    long before = usedAfterGc();
    long filled;
    Obs obs = Obs.builder().serviceName("catalog").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").set("OBS4J_REGISTER_GLOBAL", "false")
        .set("OBS4J_CONSOLE", "true").build();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    try {
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(ObsHttp.create(obs)));
      server.start();
      String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/orders/";
      for (int i = 0; i < 10_000; i++) {
        HttpResponse<Void> response = client.send(
            HttpRequest.newBuilder(URI.create(base + i)).header("User-Agent", agent).build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(204);
      }
      server.stop(0);
      filled = usedAfterGc();
    } finally {
      server.stop(0);
      obs.close();
    }
    obs = null;
    server = null;
    long after = usedAfterGc();
    long retained = filled - after; // what letting go of the handle (and so its ring) gave back
    System.out.printf("console memory: %,d bytes retained after 10,000 requests (before %,d, filled %,d, after %,d)%n",
        retained, before, filled, after);
    assertThat(retained).as("heap the handle and its console's ring retained, in bytes").isLessThan(DOCUMENTED_BOUND);
    assertThat(filled - before).as("the measure sees the ring at all").isGreaterThan(1L << 20);
  }

  private static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
