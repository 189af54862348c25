/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.obs4j.ObsContext;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The contract on the JDK's HTTP server; handlers name route templates with ObsContext.setRoute. */
class JdkHttpServerTest extends AbstractHttpServerTest {

  @FunctionalInterface
  interface Body {
    String handle(HttpExchange exchange) throws Exception;
  }

  private static void respond(HttpExchange exchange, int status, String body) throws java.io.IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** The context the request reached; the handler names the finer template when it runs. */
  @Override
  protected String ordersRouteAtStart() {
    return "/orders/";
  }

  @Override
  protected Started start(ObsHttp http, App app) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ObsHttpServerFilter filter = ObsHttpServerFilter.create(http);
    route(server, filter, "/", e -> { respond(e, 404, "not found"); return null; });
    route(server, filter, "/hello", e -> app.hello());
    route(server, filter, "/orders/", e -> {
      ObsContext.setRoute("/orders/{id}");
      return "order " + e.getRequestURI().getPath().substring("/orders/".length());
    });
    route(server, filter, "/boom", e -> { app.boom(); return null; });
    route(server, filter, "/fail", e -> { respond(e, 500, "failed"); return null; });
    route(server, filter, "/bad", e -> { respond(e, 400, "bad"); return null; });
    route(server, filter, "/user", e -> app.user());
    route(server, filter, "/health", e -> app.health());
    route(server, filter, "/anonymous", e -> { app.anonymous(); return null; });
    server.start();
    return new Started(server.getAddress().getPort(), () -> server.stop(0));
  }

  private static void route(HttpServer server, ObsHttpServerFilter filter, String path, Body body) {
    server.createContext(path, exchange -> {
      String result;
      try {
        result = body.handle(exchange);
      } catch (RuntimeException | java.io.IOException e) {
        throw e;
      } catch (Exception e) {
        throw new java.io.IOException(e);
      }
      if (result != null) {
        respond(exchange, 200, result);
      }
    }).getFilters().add(filter);
  }

  @Override
  @Test
  @Disabled("the JDK HTTP server has no asynchronous request API")
  void asyncResponse_endsTheSpanWhenTheResponseCompletes() {}
}
