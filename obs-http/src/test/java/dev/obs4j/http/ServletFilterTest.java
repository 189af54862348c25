/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import dev.obs4j.http.servlet.ObsServletFilter;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The contract on Jetty 12 (ee10) with plain servlets; the route is the servlet mapping's pattern. */
class ServletFilterTest extends AbstractHttpServerTest {

  @FunctionalInterface
  interface Body {
    void handle(HttpServletRequest request, HttpServletResponse response) throws Exception;
  }

  private static HttpServlet servlet(Body body) {
    return new HttpServlet() {
      private static final long serialVersionUID = 1L;

      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try {
          body.handle(request, response);
        } catch (IOException | RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IOException(e);
        }
      }
    };
  }

  @Override
  protected String ordersRoute() {
    return "/orders/*";
  }

  @Override
  protected Started start(ObsHttp http, App app) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    FilterHolder filter = new FilterHolder(ObsServletFilter.create(http));
    filter.setAsyncSupported(true);
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write(app.hello()))), "/hello");
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write("order " + q.getPathInfo().substring(1)))), "/orders/*");
    context.addServlet(new ServletHolder(servlet((q, r) -> app.boom())), "/boom");
    context.addServlet(new ServletHolder(servlet((q, r) -> { r.setStatus(500); r.getWriter().write("failed"); })), "/fail");
    context.addServlet(new ServletHolder(servlet((q, r) -> { r.setStatus(400); r.getWriter().write("bad"); })), "/bad");
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write(app.user()))), "/user");
    ServletHolder async = new ServletHolder(servlet((q, r) -> {
      AsyncContext asyncContext = q.startAsync();
      CompletableFuture.runAsync(() -> {
        try {
          asyncContext.getResponse().getWriter().write(app.slow());
        } catch (IOException e) {
          throw new RuntimeException(e);
        } finally {
          asyncContext.complete();
        }
      });
    }));
    async.setAsyncSupported(true);
    context.addServlet(async, "/async");
    server.setHandler(context);
    server.start();
    return new Started(connector.getLocalPort(), server::stop);
  }
}
