/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.servlet;

import dev.obs4j.Obs;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.console.ConsolePage;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The companion of {@link ObsServletFilter}: serves {@code obs}'s console ({@code OBS4J_CONSOLE=true}). It
 * answers 404 while the console is off, and to clients on other machines unless
 * {@code OBS4J_CONSOLE_REMOTE=true}.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(ObsConsoleServlet.create(obs)), "/obs/*");
 * }</pre>
 */
public final class ObsConsoleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient Obs obs;

  private ObsConsoleServlet(Obs obs) {
    this.obs = obs;
  }

  /** The servlet for {@code obs}'s console; map it to {@code /obs/*}. */
  public static ObsConsoleServlet create(Obs obs) {
    return new ObsConsoleServlet(Objects.requireNonNull(obs, "obs"));
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    ConsolePage console = ObsInternals.console(obs);
    ConsolePage.Page page = null;
    if (console != null
        && console.allows(request.getRemoteAddr(), request.getHeader("Host"), ConsolePage.forwarded(request::getHeader))) {
      String path = request.getRequestURI().substring(request.getContextPath().length());
      Map<String, String> query = new HashMap<>();
      request.getParameterMap().forEach((name, values) -> query.put(name, values.length == 0 ? "" : values[0]));
      page = console.page(path, query);
    }
    if (page == null) {
      response.sendError(404);
      return;
    }
    ConsolePage.SECURITY_HEADERS.forEach(response::setHeader);
    response.setContentType(page.contentType());
    response.getOutputStream().write(page.body().getBytes(StandardCharsets.UTF_8));
  }
}
