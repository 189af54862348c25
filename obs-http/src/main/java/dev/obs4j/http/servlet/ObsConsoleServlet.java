/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.servlet;

import dev.obs4j.ConsoleAccess;
import dev.obs4j.Obs;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.console.ConsoleServer;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Objects;

/**
 * The companion of {@link ObsServletFilter}: serves {@code obs}'s console ({@code OBS4J_CONSOLE=true}) to
 * requests that carry its credentials ({@code OBS4J_CONSOLE_TOKEN}, or {@code OBS4J_CONSOLE_USERNAME} and
 * {@code OBS4J_CONSOLE_PASSWORD}); others get a 401, and every request a 404 while the console is off.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(ObsConsoleServlet.create(obs)), "/obs/*");
 * }</pre>
 */
public final class ObsConsoleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient Obs obs;
  private final ConsoleServer.Mount mount;

  private ObsConsoleServlet(Obs obs, ConsoleServer.Mount mount) {
    this.obs = obs;
    this.mount = mount;
  }

  /** The servlet for {@code obs}'s console, asking for credentials; map it to {@code /obs/*}. */
  public static ObsConsoleServlet create(Obs obs) {
    return create(obs, ConsoleAccess.CREDENTIALS);
  }

  /** The servlet for {@code obs}'s console, letting in whom {@code access} says; map it to {@code /obs/*}. */
  public static ObsConsoleServlet create(Obs obs, ConsoleAccess access) {
    return new ObsConsoleServlet(
        Objects.requireNonNull(obs, "obs"), ConsoleServer.Mount.of(Objects.requireNonNull(access, "access")));
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ConsoleServer.Response answer =
        ConsoleServer.serve(
            ObsInternals.console(obs),
            new ConsoleServer.Request(
                request.getMethod(),
                request.getRequestURI().substring(request.getContextPath().length()),
                request.getQueryString(),
                request.getRemoteAddr(),
                request::getHeader),
            mount);
    response.setStatus(answer.status());
    answer.headers().forEach(response::setHeader);
    response.setContentLength(answer.body().length);
    response.getOutputStream().write(answer.body());
  }
}
