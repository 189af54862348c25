/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.jdk.ObsConsoleHandler;
import dev.obs4j.http.servlet.ObsConsoleServlet;
import io.opentelemetry.api.trace.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;

/** The console mounted on a JDK HttpServer and on a Servlet container, as on Javalin (ConsoleRouteTest). */
class ConsoleMountsTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  private static Obs console() {
    return Obs.builder().serviceName("catalog").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").set("OBS4J_REGISTER_GLOBAL", "false")
        .set("OBS4J_CONSOLE", "true").build();
  }

  @Test
  void jdkHttpServer_servesTheListTheTraceAndItsSpans() throws Exception {
    try (Obs obs = console()) {
      String traceId = obs.inSpan("nightly export", () -> Span.current().getSpanContext().getTraceId());
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/obs", ObsConsoleHandler.create(obs));
      server.start();
      try {
        assertPages("http://127.0.0.1:" + server.getAddress().getPort(), traceId);
      } finally {
        server.stop(0);
      }
    }
  }

  @Test
  void servlet_servesTheListTheTraceAndItsSpans() throws Exception {
    try (Obs obs = console()) {
      String traceId = obs.inSpan("nightly export", () -> Span.current().getSpanContext().getTraceId());
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      context.addServlet(new ServletHolder(ObsConsoleServlet.create(obs)), "/obs/*");
      server.setHandler(context);
      server.start();
      try {
        assertPages("http://127.0.0.1:" + connector.getLocalPort(), traceId);
      } finally {
        server.stop();
      }
    }
  }

  private static void assertPages(String base, String traceId) throws Exception {
    HttpResponse<String> list = get(base + "/obs");
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    assertThat(list.body()).contains("Recent traces of catalog").contains("/obs/trace/" + traceId).contains("nightly export");
    HttpResponse<String> trace = get(base + "/obs/trace/" + traceId);
    assertThat(trace.statusCode()).isEqualTo(200);
    assertThat(trace.body()).contains("1 spans from catalog").contains("nightly export");
    HttpResponse<String> spans = get(base + "/obs/trace/" + traceId + "?spans");
    assertThat(spans.statusCode()).isEqualTo(200);
    assertThat(spans.body()).contains("\tcatalog\tnightly export\tinternal\t");
    assertThat(get(base + "/obs/trace/" + "0".repeat(32)).statusCode()).isEqualTo(404);
    assertThat(get(base + "/obs/elsewhere").statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
