/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.obs4j.metrics.PrometheusScrape;
import dev.obs4j.internal.console.ConsoleServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. A minimal {@code /metrics} endpoint on the JDK's HTTP server for services
 * without a web framework.
 *
 * <p>Two paths answer: {@code /metrics} (GET or HEAD; behind HTTP basic auth when credentials are
 * configured) and {@code /health} (GET or HEAD, never behind auth: it says only that the process serves).
 * With the console on ({@code OBS4J_CONSOLE}), {@code /obs} and {@code /obs/trace/ID} answer too, behind
 * the same auth. Every other path, including {@code /metrics/} and anything with {@code ..} or an encoded
 * character, is a 404: the server never maps a path to anything but these answers. One daemon thread serves every
 * request in turn, so a flood of scrapes costs at most that one thread and cannot take the request threads.
 */
public final class MetricsServer implements AutoCloseable {
  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(MetricsServer.class));

  static final String METRICS_PATH = "/metrics";
  static final String HEALTH_PATH = "/health";
  static final String CONSOLE_PATH = "/obs";
  static final String CONSOLE_TRACE_PATH = "/obs/trace/";

  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusMeterRegistry registry;
  private final byte @Nullable [] expectedAuthorization;
  private final @Nullable ConsoleServer console;

  /**
   * Serves on {@code host:port}; with {@code username} and {@code password} both non-null, {@code /metrics}
   * asks for them by HTTP basic auth.
   */
  public MetricsServer(
      PrometheusMeterRegistry registry,
      String host,
      int port,
      @Nullable String username,
      @Nullable String password)
      throws IOException {
    this(registry, host, port, username, password, null);
  }

  /** As above, also serving {@code console} on {@value #CONSOLE_PATH} (behind the same basic auth). */
  public MetricsServer(
      PrometheusMeterRegistry registry,
      String host,
      int port,
      @Nullable String username,
      @Nullable String password,
      @Nullable ConsoleServer console)
      throws IOException {
    this.registry = registry;
    this.console = console;
    this.expectedAuthorization =
        username == null || password == null
            ? null
            : ("Basic "
                    + Base64.getEncoder()
                        .encodeToString((username + ':' + password).getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "obs4j-metrics-server");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::serve);
    server.start();
  }

  private void serve(HttpExchange exchange) {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod();
      boolean head = "HEAD".equals(method);
      boolean consolePath = console != null && (CONSOLE_PATH.equals(path) || path.startsWith(CONSOLE_TRACE_PATH));
      if (!METRICS_PATH.equals(path) && !HEALTH_PATH.equals(path) && !consolePath) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      if (!head && !"GET".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      if (HEALTH_PATH.equals(path)) {
        send(exchange, "text/plain; charset=utf-8", "ok\n", head);
        return;
      }
      if (!authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"obs4j metrics\", charset=\"UTF-8\"");
        exchange.sendResponseHeaders(401, -1);
        return;
      }
      if (consolePath && console != null) {
        ConsoleServer.Response answer =
            console.serve(
                new ConsoleServer.Request(
                    method,
                    path,
                    exchange.getRequestURI().getRawQuery(),
                    exchange.getRemoteAddress().getAddress().getHostAddress(),
                    exchange.getRequestHeaders()::getFirst),
                ConsoleServer.Mount.METRICS_SERVER);
        answer.headers().forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
        if (answer.body().length > 0) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
          }
        }
        return;
      }
      PrometheusScrape scrape = PrometheusScrape.of(registry, exchange.getRequestHeaders().getFirst("Accept"));
      send(exchange, scrape.contentType(), scrape.body(), head);
    } catch (IOException | RuntimeException e) {
      log.warn("metrics-scrape", "A /metrics request failed", e);
    }
  }

  private boolean authorized(@Nullable String authorization) {
    byte[] expected = expectedAuthorization;
    if (expected == null) {
      return true;
    }
    // Constant-time, so the answer's timing says nothing about how much of a guess was right.
    return authorization != null
        && MessageDigest.isEqual(expected, authorization.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange exchange, String contentType, String text, boolean head)
      throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    if (head) {
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
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
