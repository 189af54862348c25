/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.jdk;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.obs4j.http.HttpServerHandler;
import dev.obs4j.http.HttpServerRequest;
import dev.obs4j.http.HttpServerResponse;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.instrument.Operation;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * A filter for the JDK's {@code com.sun.net.httpserver} that traces and times every exchange. The JDK server
 * has contexts, not route templates: the route is the context path unless the handler names the template
 * with {@code ObsContext.setRoute("/orders/{id}")}. The span starts named after the context
 * ({@code GET /orders/}), which is what a sampler sees; a template the handler names renames it afterwards.
 * Add it to every context, including a {@code "/"} context that answers 404, so unknown paths are counted
 * too. When a handler throws before it responds, the filter
 * answers 500 (the JDK server itself would just close the connection) and rethrows. Paths excluded with
 * {@link ObsHttp.Builder#excludePaths} (by default the metrics route and the health checks) pass untouched.
 *
 * <pre>{@code
 * server.createContext("/orders/", handler).getFilters().add(ObsHttpServerFilter.create(http));
 * }</pre>
 */
public final class ObsHttpServerFilter extends Filter {
  private final HttpServerHandler handler;

  private ObsHttpServerFilter(ObsHttp http) {
    this.handler = http.serverHandler();
  }

  /** A filter reporting through {@code http}. */
  public static ObsHttpServerFilter create(ObsHttp http) {
    return new ObsHttpServerFilter(http);
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    Request request = new Request(exchange);
    if (handler.excludes(request.path())) {
      chain.doFilter(exchange); // a health check or the metrics route: not traced, not timed
      return;
    }
    Operation operation = handler.start(request, exchange.getResponseHeaders(), Headers::set);
    Throwable error = null;
    try (Scope ignored = operation.makeCurrent()) {
      chain.doFilter(exchange);
    } catch (IOException | RuntimeException | Error e) {
      error = e;
      if (exchange.getResponseCode() == -1) {
        // The JDK server would drop the connection without a word; answer 500 as servlet containers do.
        try {
          exchange.sendResponseHeaders(500, -1);
        } catch (IOException | RuntimeException ignored) {
          // the connection is gone already
        }
      }
      throw e;
    } finally {
      handler.end(
          operation,
          HttpServerResponse.of(request, exchange.getResponseCode(), exchange.getResponseHeaders()::getFirst),
          error);
    }
  }

  @Override
  public String description() {
    return "obs4j tracing and RED metrics";
  }

  private static final class Request implements HttpServerRequest {
    private final HttpExchange exchange;

    Request(HttpExchange exchange) {
      this.exchange = exchange;
    }

    @Override
    public String method() {
      return exchange.getRequestMethod();
    }

    @Override
    public String path() {
      String path = exchange.getRequestURI().getRawPath();
      return path == null ? "/" : path;
    }

    @Override
    public @Nullable String route() {
      String context = exchange.getHttpContext().getPath();
      return context.equals("/") ? null : context;
    }

    @Override
    public @Nullable String header(String name) {
      return exchange.getRequestHeaders().getFirst(name);
    }

    @Override
    public Iterable<String> headerNames() {
      return exchange.getRequestHeaders().keySet();
    }

    @Override
    public String scheme() {
      return exchange instanceof com.sun.net.httpserver.HttpsExchange ? "https" : "http";
    }

    @Override
    public @Nullable String serverAddress() {
      String host = exchange.getRequestHeaders().getFirst("Host");
      if (host != null) {
        int colon = host.lastIndexOf(':');
        return colon > 0 && host.indexOf(']') < colon ? host.substring(0, colon) : host;
      }
      InetSocketAddress local = exchange.getLocalAddress();
      return local == null ? null : local.getHostString();
    }

    @Override
    public int serverPort() {
      InetSocketAddress local = exchange.getLocalAddress();
      return local == null ? -1 : local.getPort();
    }

    @Override
    public @Nullable String clientAddress() {
      InetSocketAddress remote = exchange.getRemoteAddress();
      return remote == null || remote.getAddress() == null ? null : remote.getAddress().getHostAddress();
    }
  }
}
