/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.obs4j.Obs;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.console.ConsolePage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Serves {@code obs}'s console ({@code OBS4J_CONSOLE=true}) on a JDK {@code HttpServer}. It answers 404 while
 * the console is off, and to clients on other machines unless {@code OBS4J_CONSOLE_REMOTE=true}.
 *
 * <pre>{@code
 * server.createContext("/obs", ObsConsoleHandler.create(obs));
 * }</pre>
 */
public final class ObsConsoleHandler implements HttpHandler {
  private final Obs obs;

  private ObsConsoleHandler(Obs obs) {
    this.obs = obs;
  }

  /** The handler for {@code obs}'s console; mount it on {@code /obs}. */
  public static ObsConsoleHandler create(Obs obs) {
    return new ObsConsoleHandler(Objects.requireNonNull(obs, "obs"));
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      ConsolePage console = ObsInternals.console(obs);
      ConsolePage.Page page = null;
      if (console != null
          && "GET".equals(exchange.getRequestMethod())
          && console.allows(
              exchange.getRemoteAddress().getAddress().getHostAddress(),
              exchange.getRequestHeaders().getFirst("Host"),
              ConsolePage.forwarded(exchange.getRequestHeaders()::getFirst))) {
        page = console.page(exchange.getRequestURI().getRawPath(), ConsolePage.query(exchange.getRequestURI().getRawQuery()));
      }
      if (page == null) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      byte[] body = page.body().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", page.contentType());
      ConsolePage.SECURITY_HEADERS.forEach(exchange.getResponseHeaders()::set);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }
}
