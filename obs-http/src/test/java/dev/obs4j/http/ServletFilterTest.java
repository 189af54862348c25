/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.http.servlet.ObsServletFilter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract on Jetty 12 (ee10) with plain servlets; the route is the servlet mapping's pattern. Besides
 * {@link App}'s routes: {@code /wrapped} throws a {@code ServletException} around an
 * {@code IllegalStateException}; {@code /swallowed} catches its exception, leaves it where a container or
 * framework would ({@code jakarta.servlet.error.exception}) and answers 500; {@code /dispatch} starts async
 * and re-dispatches from another thread, the dispatched pass logging one line.
 */
class ServletFilterTest extends AbstractHttpServerTest {
  private static final Logger log = LoggerFactory.getLogger(ServletFilterTest.class);

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
    context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write(app.hello()))), "/hello");
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write("order " + q.getPathInfo().substring(1)))), "/orders/*");
    context.addServlet(new ServletHolder(servlet((q, r) -> app.boom())), "/boom");
    context.addServlet(new ServletHolder(servlet((q, r) -> { r.setStatus(500); r.getWriter().write("failed"); })), "/fail");
    context.addServlet(new ServletHolder(servlet((q, r) -> { r.setStatus(400); r.getWriter().write("bad"); })), "/bad");
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write(app.user()))), "/user");
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write(app.health()))), "/health");
    context.addServlet(new ServletHolder(servlet((q, r) -> app.anonymous())), "/anonymous");
    context.addServlet(new ServletHolder(new HttpServlet() {
      private static final long serialVersionUID = 1L;

      @Override
      protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException {
        throw new ServletException("servlet failed", new IllegalStateException("inner"));
      }
    }), "/wrapped");
    context.addServlet(new ServletHolder(servlet((q, r) -> {
      try {
        throw new IllegalArgumentException("swallowed");
      } catch (IllegalArgumentException e) {
        q.setAttribute(RequestDispatcher.ERROR_EXCEPTION, e);
        r.setStatus(500);
      }
    })), "/swallowed");
    ServletHolder dispatch = new ServletHolder(servlet((q, r) -> {
      if (q.getDispatcherType() == DispatcherType.ASYNC) {
        log.info("dispatched handler");
        r.getWriter().write("dispatched");
        return;
      }
      AsyncContext asyncContext = q.startAsync();
      CompletableFuture.runAsync(asyncContext::dispatch);
    }));
    dispatch.setAsyncSupported(true);
    context.addServlet(dispatch, "/dispatch");
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

  @Test
  void servletException_isRecordedAsTheExceptionItWraps() throws Exception {
    assertThat(get("/wrapped").statusCode()).isEqualTo(500);
    SpanData span = service.server();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("java.lang.IllegalStateException");
    assertThat(span.getEvents()).anySatisfy(e ->
        assertThat(e.getAttributes().get(AttributeKey.stringKey("exception.message"))).isEqualTo("inner"));
    assertThat(service.timer("http.server.requests", "uri", "/wrapped", "status", "500",
        "exception", "IllegalStateException").count()).isEqualTo(1);
  }

  @Test
  void exceptionTheContainerKeptInTheErrorAttribute_isRecorded() throws Exception {
    assertThat(get("/swallowed").statusCode()).isEqualTo(500);
    SpanData span = service.server();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(service.timer("http.server.requests", "uri", "/swallowed", "status", "500",
        "exception", "IllegalArgumentException").count()).isEqualTo(1);
  }

  @Test
  void asyncDispatch_runsInTheRequestsContext_withoutASecondServerSpan() throws Exception {
    HttpResponse<String> response = get("/dispatch");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("dispatched");
    SpanData span = service.server();
    assertThat(span.getName()).isEqualTo("GET /dispatch");
    assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
    assertThat(Recorder.logLines(l -> "dispatched handler".equals(l.get("message"))
            && span.getTraceId().equals(l.get("trace.id"))))
        .singleElement()
        .satisfies(l -> assertThat(l.get("span.id")).isEqualTo(span.getSpanId()));
    assertThat(service.timer("http.server.requests", "uri", "/dispatch").count()).isEqualTo(1);
  }

  @Test
  void unknownMethod_onAMappedPath_isNamedHttpAndTheRoute_asTheSemanticConventionsSay() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/hello"))
            .method("FROB", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(501); // HttpServlet's answer to a method it does not know
    SpanData span = service.server();
    assertThat(span.getName()).isEqualTo("HTTP /hello");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("_OTHER");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("http.request.method_original"))).isEqualTo("FROB");
  }

  @Test
  void excludedPaths_areMatchedWithoutTheContextPath() throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/app");
    context.addFilter(new FilterHolder(ObsServletFilter.create(service.http)), "/*", EnumSet.of(DispatcherType.REQUEST));
    context.addServlet(new ServletHolder(servlet((q, r) -> r.getWriter().write("ok"))), "/*");
    server.setHandler(context);
    server.start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + connector.getLocalPort();
      HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(base + "/app/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.body()).isEqualTo("ok");
      assertThat(health.headers().firstValue("X-Trace-Id")).isEmpty();
      HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create(base + "/app/orders")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(other.headers().firstValue("X-Trace-Id")).isPresent();
    } finally {
      server.stop();
    }
    assertThat(service.server().getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/app/orders");
  }
}
