/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import dev.obs4j.internal.SmallHttpServer.Request;
import dev.obs4j.internal.SmallHttpServer.Response;
import dev.obs4j.metrics.PrometheusScrape;
import dev.obs4j.internal.console.ConsoleServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. A minimal {@code /metrics} endpoint, on a small server of its own
 * ({@link SmallHttpServer}), for services without a web framework.
 *
 * <p>Two paths answer: {@code /metrics} (GET or HEAD; behind HTTP basic auth when credentials are
 * configured) and {@code /health} (GET or HEAD, never behind auth: it says only that the process serves).
 * With the console on ({@code OBS4J_CONSOLE}), {@code /obs} and {@code /obs/trace/ID} answer too, behind
 * the same auth. Every other path, including {@code /metrics/} and anything with {@code ..} or an encoded
 * character, is a 404: the server never maps a path to anything but these answers.
 *
 * <p>Two daemon threads serve, whatever comes. {@code obs4j-metrics-server} accepts, reads every request's
 * line and headers and writes every answer without blocking, and answers {@code /health} (and the 404s, 405s
 * and 401s outside the console) itself, so that a liveness probe never waits behind a scrape or a slow
 * client. {@code obs4j-metrics-worker} renders scrapes and console pages one at a time, so a flood of
 * scrapes costs at most that one thread and cannot take the request threads; four more may wait for it, and
 * beyond that, or while the answers being written already hold 16 MiB, a scrape gets a 503. A request's line
 * and headers must arrive within 10 s of connecting and fit 16 KiB (else the connection is closed; 431 when
 * too large); an answer must be written within 10 s, Prometheus' default scrape timeout (else the connection
 * is reset). At most 64 connections are open: one more takes the place of the oldest that has not sent its
 * request (or has had its answer). Every answer closes its connection. The figures are {@link
 * SmallHttpServer.Limits#DEFAULTS}.
 */
public final class MetricsServer implements AutoCloseable {
  static final String METRICS_PATH = "/metrics";
  static final String HEALTH_PATH = "/health";
  static final String CONSOLE_PATH = "/obs";
  static final String CONSOLE_TRACE_PATH = "/obs/trace/";

  private final SmallHttpServer server;
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
    server =
        new SmallHttpServer(
            new InetSocketAddress(host, port), "obs4j-metrics", SmallHttpServer.Limits.DEFAULTS, this::serve);
  }

  /** On the server's selector thread: answers what costs nothing, hands the rest to its worker. */
  private Response serve(Request request) {
    String path = request.rawPath();
    ConsoleServer consoleServer = console;
    if (consoleServer != null && (CONSOLE_PATH.equals(path) || path.startsWith(CONSOLE_TRACE_PATH))) {
      // A page costs, and a trace's page asks the peers for up to 2 s: never on the thread /health needs.
      return Response.fromWorker(() -> console(request, consoleServer));
    }
    if (!METRICS_PATH.equals(path) && !HEALTH_PATH.equals(path)) {
      return Response.status(404);
    }
    if (!"HEAD".equals(request.method()) && !"GET".equals(request.method())) {
      return Response.status(405).header("Allow", "GET, HEAD");
    }
    if (HEALTH_PATH.equals(path)) {
      return ok("text/plain; charset=utf-8", "ok\n");
    }
    if (!authorized(request.header("Authorization"))) {
      return unauthorized();
    }
    return Response.fromWorker(
        () -> {
          PrometheusScrape scrape = PrometheusScrape.of(registry, request.header("Accept"));
          return ok(scrape.contentType(), scrape.body());
        });
  }

  /** On the worker: the console's answer, behind this server's basic auth when it has one. */
  private Response console(Request request, ConsoleServer console) {
    if (!authorized(request.header("Authorization"))) {
      return unauthorized();
    }
    boolean head = "HEAD".equals(request.method());
    ConsoleServer.Response answer =
        console.serve(
            new ConsoleServer.Request(
                head ? "GET" : request.method(), // this server sends a HEAD's real length, and no body
                request.rawPath(),
                request.rawQuery(),
                request.remoteAddress().getAddress().getHostAddress(),
                request::header),
            ConsoleServer.Mount.METRICS_SERVER);
    Response response = Response.of(answer.status(), answer.body());
    answer.headers().forEach(response::header);
    return response;
  }

  private static Response unauthorized() {
    return Response.status(401).header("WWW-Authenticate", "Basic realm=\"obs4j metrics\", charset=\"UTF-8\"");
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

  private static Response ok(String contentType, String text) {
    return Response.ok(contentType, text).header("X-Content-Type-Options", "nosniff");
  }

  public InetSocketAddress address() {
    return server.address();
  }

  @Override
  public void close() {
    server.close();
  }
}
