/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.jdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.obs4j.ConsoleAccess;
import dev.obs4j.Obs;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.console.ConsoleServer;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Serves {@code obs}'s console ({@code OBS4J_CONSOLE=true}) on a JDK {@code HttpServer} to requests that carry
 * its credentials ({@code OBS4J_CONSOLE_TOKEN}, or {@code OBS4J_CONSOLE_USERNAME} and
 * {@code OBS4J_CONSOLE_PASSWORD}); others get a 401, and every request a 404 while the console is off.
 *
 * <pre>{@code
 * server.createContext("/obs", ObsConsoleHandler.create(obs));
 * }</pre>
 */
public final class ObsConsoleHandler implements HttpHandler {
  private final Obs obs;
  private final ConsoleServer.Mount mount;

  private ObsConsoleHandler(Obs obs, ConsoleServer.Mount mount) {
    this.obs = obs;
    this.mount = mount;
  }

  /** The handler for {@code obs}'s console, asking for credentials; mount it on {@code /obs}. */
  public static ObsConsoleHandler create(Obs obs) {
    return create(obs, ConsoleAccess.CREDENTIALS);
  }

  /** The handler for {@code obs}'s console, letting in whom {@code access} says; mount it on {@code /obs}. */
  public static ObsConsoleHandler create(Obs obs, ConsoleAccess access) {
    return new ObsConsoleHandler(
        Objects.requireNonNull(obs, "obs"), ConsoleServer.Mount.of(Objects.requireNonNull(access, "access")));
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      ConsoleServer.Response answer =
          ConsoleServer.serve(
              ObsInternals.console(obs),
              new ConsoleServer.Request(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getRawPath(),
                  exchange.getRequestURI().getRawQuery(),
                  exchange.getRemoteAddress().getAddress().getHostAddress(),
                  exchange.getRequestHeaders()::getFirst),
              mount);
      answer.headers().forEach(exchange.getResponseHeaders()::set);
      byte[] body = answer.body();
      exchange.sendResponseHeaders(answer.status(), body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }
}
