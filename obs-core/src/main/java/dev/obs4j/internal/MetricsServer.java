/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.obs4j.metrics.PrometheusScrape;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. A minimal {@code /metrics} endpoint on the JDK's HTTP server for services
 * without a web framework; one daemon thread serves scrapes.
 */
public final class MetricsServer implements AutoCloseable {
  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(MetricsServer.class));

  private final HttpServer server;
  private final ExecutorService executor;

  public MetricsServer(PrometheusMeterRegistry registry, String host, int port) throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "obs4j-metrics-server");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/metrics", exchange -> serve(registry, exchange));
    server.start();
  }

  private static void serve(PrometheusMeterRegistry registry, HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      PrometheusScrape scrape =
          PrometheusScrape.of(registry, exchange.getRequestHeaders().getFirst("Accept"));
      byte[] body = scrape.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", scrape.contentType());
      if ("HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(200, -1);
        return;
      }
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("metrics-scrape", "A /metrics scrape failed", e);
    }
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
