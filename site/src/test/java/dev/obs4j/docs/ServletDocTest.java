/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static jakarta.servlet.DispatcherType.ASYNC;
import static jakarta.servlet.DispatcherType.REQUEST;
import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.servlet.ObsServletFilter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** integrations/servlet.adoc: the filter registered through the Servlet API, in a real Jetty 12 on loopback. */
class ServletDocTest {
  /** Registers obs4j's filter when the web application starts; works in any Servlet 6 container. */
  static final class ObsSetup implements ServletContextListener {
    private final Obs obs;

    ObsSetup(Obs obs) {
      this.obs = obs;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
      // tag::register[]
      ObsServletFilter traced = ObsServletFilter.create(ObsHttp.create(obs));
      ServletContext context = event.getServletContext();
      FilterRegistration.Dynamic filter = context.addFilter("obs4j", traced);
      filter.setAsyncSupported(true);
      filter.addMappingForUrlPatterns(EnumSet.of(REQUEST, ASYNC), false, "/*");
      // end::register[]
    }
  }

  /** A servlet mapped to /orders/*: the route is the mapping. */
  static final class Orders extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      ObsContext.setUserId("alice");
      response.getWriter().write("order");
    }
  }

  /** A servlet that knows a finer route than its mapping, as a framework's dispatcher does. */
  static final class Items extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      // tag::route[]
      request.setAttribute(ObsServletFilter.ROUTE_ATTRIBUTE, "/items/{id}");
      // end::route[]
      response.getWriter().write("item");
    }
  }

  /** An async servlet: answers from another thread; the span ends when the request completes. */
  static final class Slow extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
      AsyncContext async = request.startAsync();
      new Thread(() -> {
        try {
          Thread.sleep(200);
          async.getResponse().getWriter().write("late");
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        } finally {
          async.complete();
        }
      }).start();
    }
  }

  @Test
  void requestsAreTracedUnderTheirMappingOrTheRouteAFrameworkSets() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler("/shop");
      context.addEventListener(new ObsSetup(obs));
      context.addServlet(new ServletHolder(new Orders()), "/orders/*");
      context.addServlet(new ServletHolder(new Items()), "/items/*");
      ServletHolder slow = new ServletHolder(new Slow());
      slow.setAsyncSupported(true);
      context.addServlet(slow, "/slow");
      server.setHandler(context);
      server.start();
      String base = "http://127.0.0.1:" + connector.getLocalPort() + "/shop";
      try {
        HttpResponse<String> order = Docs.get(base + "/orders/17");
        assertThat(order.body()).isEqualTo("order");
        SpanData orders = Docs.await(spans, "GET /shop/orders/*");
        assertThat(orders.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(orders.getAttributes().get(AttributeKey.stringKey("enduser.id"))).isEqualTo("alice");
        assertThat(order.headers().firstValue("X-Trace-Id")).contains(orders.getTraceId());

        assertThat(Docs.get(base + "/items/9").body()).isEqualTo("item");
        assertThat(Docs.await(spans, "GET /items/{id}").getAttributes().get(AttributeKey.stringKey("http.route")))
            .isEqualTo("/items/{id}");

        long start = System.nanoTime();
        assertThat(Docs.get(base + "/slow").body()).isEqualTo("late");
        SpanData late = Docs.await(spans, "GET /shop/slow");
        assertThat(late.getEndEpochNanos() - late.getStartEpochNanos())
            .as("ended when the async request completed")
            .isGreaterThanOrEqualTo(150_000_000L);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(150_000_000L);

        assertThat(Docs.get(base + "/metrics", Map.of()).headers().firstValue("X-Trace-Id"))
            .as("excluded paths are matched without the context path")
            .isEmpty();
        Docs.eventually(() -> assertThat(Docs.scrape(obs))
            .contains("uri=\"/shop/orders/*\"")
            .contains("uri=\"/items/{id}\"")
            .contains("uri=\"/shop/slow\""));
      } finally {
        server.stop();
      }
    }
  }
}
