/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.ConsoleAccess;
import dev.obs4j.Obs;
import dev.obs4j.http.javalin.ObsJavalin;
import dev.obs4j.http.jdk.ObsConsoleHandler;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import dev.obs4j.http.servlet.ObsConsoleServlet;
import dev.obs4j.http.servlet.ObsServletFilter;
import io.javalin.Javalin;
import io.opentelemetry.api.trace.Span;
import jakarta.servlet.DispatcherType;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The console on an application's own port, on every mount (Javalin, a Servlet container, the JDK server),
 * as an operator behind a reverse proxy meets it: served only where the code mounts it, and there only with
 * credentials, unless the code chose to trust this machine.
 */
class ConsoleMountsTest {
  private static final HttpClient CLIENT = HttpClient.newHttpClient();
  private static final String TOKEN = "console-token-7f3a";

  /** An HTTP server of one kind with obs4j's adapter, and the console mounted on it or not. */
  enum Kind {
    JAVALIN, SERVLET, JDK;

    AutoCloseable start(Obs obs, ConsoleAccess access, int[] port) throws Exception {
      ObsHttp http = ObsHttp.create(obs);
      switch (this) {
        case JAVALIN -> {
          Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.registerPlugin(ObsJavalin.create(http));
            cfg.routes.get("/hello", ctx -> ctx.result("hello"));
            if (access != null) {
              cfg.routes.get("/obs", ObsJavalin.consoleHandler(obs, access));
              cfg.routes.get("/obs/trace/{id}", ObsJavalin.consoleHandler(obs, access));
              cfg.routes.head("/obs", ObsJavalin.consoleHandler(obs, access));
            }
          }).start("127.0.0.1", 0);
          port[0] = app.port();
          return app::stop;
        }
        case SERVLET -> {
          Server server = new Server();
          ServerConnector connector = new ServerConnector(server);
          connector.setHost("127.0.0.1");
          connector.setPort(0);
          server.addConnector(connector);
          ServletContextHandler context = new ServletContextHandler();
          context.addFilter(new FilterHolder(ObsServletFilter.create(http)), "/*", EnumSet.of(DispatcherType.REQUEST));
          if (access != null) {
            context.addServlet(new ServletHolder(ObsConsoleServlet.create(obs, access)), "/obs/*");
          }
          server.setHandler(context);
          server.start();
          port[0] = connector.getLocalPort();
          return server::stop;
        }
        default -> {
          HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
          server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
          }).getFilters().add(ObsHttpServerFilter.create(http));
          if (access != null) {
            server.createContext("/obs", ObsConsoleHandler.create(obs, access));
          }
          server.start();
          port[0] = server.getAddress().getPort();
          return () -> server.stop(0);
        }
      }
    }
  }

  private static Obs console(String service, String... settings) {
    Obs.Builder builder = Obs.builder().serviceName(service).shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").set("OBS4J_REGISTER_GLOBAL", "false")
        .set("OBS4J_CONSOLE", "true");
    for (int i = 0; i < settings.length; i += 2) {
      builder.set(settings[i], settings[i + 1]);
    }
    return builder.build();
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void theSettingAlone_servesNoConsoleOnTheAppsPort(Kind kind) throws Exception {
    try (Obs obs = console("catalog")) {
      obs.runInSpan("nightly export", () -> {});
      int[] port = new int[1];
      try (AutoCloseable server = kind.start(obs, null, port)) {
        String answer = nginx(port[0], "/obs", null);
        assertThat(answer).doesNotStartWith("HTTP/1.1 200").doesNotContain("Recent traces").doesNotContain("nightly export");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void mounted_refusesARequestThroughNginxsDefaultProxy_andServesItWithCredentials(Kind kind) throws Exception {
    try (Obs obs = console("catalog", "OBS4J_CONSOLE_TOKEN", TOKEN)) {
      String traceId = obs.inSpan("nightly export", () -> Span.current().getSpanContext().getTraceId());
      int[] port = new int[1];
      try (AutoCloseable server = kind.start(obs, ConsoleAccess.CREDENTIALS, port)) {
        // exactly what nginx's default "proxy_pass http://127.0.0.1:PORT;" sends: looks local in every way
        String refused = nginx(port[0], "/obs", null);
        assertThat(refused).startsWith("HTTP/1.1 401").containsIgnoringCase("WWW-Authenticate: Bearer realm=\"obs4j console\"")
            .doesNotContain("nightly export");
        assertThat(nginx(port[0], "/obs/trace/" + traceId, null)).startsWith("HTTP/1.1 401").doesNotContain("nightly export");
        assertThat(nginx(port[0], "/obs", "Bearer wrong-" + TOKEN)).startsWith("HTTP/1.1 401");
        String served = nginx(port[0], "/obs", "bearer " + TOKEN);
        assertThat(served).startsWith("HTTP/1.1 200").contains("Recent traces of catalog").contains(traceId);
        assertPages("http://127.0.0.1:" + port[0], traceId, Map.of("Authorization", "Bearer " + TOKEN));
        assertThat(head(port[0], "Bearer " + TOKEN)).as("HEAD answers as GET does, without a body")
            .startsWith("HTTP/1.1 200").containsIgnoringCase("content-type: text/html").doesNotContain("<html");
      }
    }
    try (Obs obs = console("catalog", "OBS4J_CONSOLE_USERNAME", "ops", "OBS4J_CONSOLE_PASSWORD", "pw")) {
      int[] port = new int[1];
      try (AutoCloseable server = kind.start(obs, ConsoleAccess.CREDENTIALS, port)) {
        assertThat(nginx(port[0], "/obs", null)).startsWith("HTTP/1.1 401").containsIgnoringCase("Basic realm=");
        assertThat(nginx(port[0], "/obs", "basic " + Base64.getEncoder().encodeToString("ops:pw".getBytes(StandardCharsets.UTF_8))))
            .as("the scheme in any case (RFC 7617)").startsWith("HTTP/1.1 200");
      }
    }
    try (Obs obs = console("catalog")) {
      int[] port = new int[1];
      try (AutoCloseable server = kind.start(obs, ConsoleAccess.CREDENTIALS, port)) {
        assertThat(nginx(port[0], "/obs", null)).as("no credentials configured: nobody").startsWith("HTTP/1.1 401");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void trustingLoopback_isTheCodesChoice_andStillRefusesAProxyThatSaysSo(Kind kind) throws Exception {
    try (Obs obs = console("catalog")) {
      obs.runInSpan("nightly export", () -> {});
      int[] port = new int[1];
      try (AutoCloseable server = kind.start(obs, ConsoleAccess.LOCAL_OR_CREDENTIALS, port)) {
        assertThat(get("http://127.0.0.1:" + port[0] + "/obs", Map.of()).body()).contains("nightly export");
        assertThat(get("http://127.0.0.1:" + port[0] + "/obs", Map.of("X-Forwarded-For", "203.0.113.9")).statusCode())
            .isEqualTo(401);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void aPeerBehindCredentials_isAskedWithThem(Kind kind) throws Exception {
    try (Obs orders = console("orders", "OBS4J_CONSOLE_TOKEN", TOKEN)) {
      int[] ordersPort = new int[1];
      try (AutoCloseable ordersServer = kind.start(orders, ConsoleAccess.CREDENTIALS, ordersPort)) {
        String[] traceId = new String[1];
        String peer = "http://127.0.0.1:" + ordersPort[0];
        for (String token : new String[] {TOKEN, null}) {
          try (Obs gateway = token == null
              ? console("gateway", "OBS4J_CONSOLE_PEERS", peer)
              : console("gateway", "OBS4J_CONSOLE_PEERS", peer, "OBS4J_CONSOLE_TOKEN", token)) {
            gateway.inSpan("GET /checkout", () -> {
              traceId[0] = Span.current().getSpanContext().getTraceId();
              Map<String, String> headers = new java.util.HashMap<>();
              gateway.propagation().inject(headers);
              try (var scope = orders.extract(headers).makeCurrent()) {
                orders.runInSpan("INSERT orders", () -> {});
              }
              return null;
            });
            int[] gatewayPort = new int[1];
            try (AutoCloseable gatewayServer = kind.start(gateway, ConsoleAccess.LOCAL_OR_CREDENTIALS, gatewayPort)) {
              String page = get("http://127.0.0.1:" + gatewayPort[0] + "/obs/trace/" + traceId[0], Map.of()).body();
              if (token != null) {
                assertThat(page).contains("2 spans from gateway, orders").contains("INSERT orders").doesNotContain("Not reached");
              } else {
                assertThat(page).contains("Not reached, so their spans are missing: " + peer).doesNotContain("INSERT orders");
              }
            }
          }
        }
      }
    }
  }

  private static void assertPages(String base, String traceId, Map<String, String> headers) throws Exception {
    HttpResponse<String> list = get(base + "/obs", headers);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
    assertThat(list.body()).contains("Recent traces of catalog").contains("/obs/trace/" + traceId).contains("nightly export");
    HttpResponse<String> trace = get(base + "/obs/trace/" + traceId, headers);
    assertThat(trace.statusCode()).isEqualTo(200);
    assertThat(trace.body()).contains("1 spans from catalog").contains("nightly export");
    HttpResponse<String> spans = get(base + "/obs/trace/" + traceId + "?spans", headers);
    assertThat(spans.statusCode()).isEqualTo(200);
    assertThat(spans.body()).contains("\tcatalog\tnightly export\tinternal\t");
    assertThat(get(base + "/obs/trace/" + "0".repeat(32), headers).statusCode()).isEqualTo(404);
    assertThat(get(base + "/obs/elsewhere", headers).statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    headers.forEach(request::header);
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * A request as nginx's default {@code proxy_pass http://127.0.0.1:PORT;} forwards a browser's: HTTP/1.0,
   * {@code Host} set to the upstream's address, {@code Connection: close}, the browser's own headers, and no
   * {@code X-Forwarded-For} (nginx adds none unless configured to).
   */
  private static String nginx(int port, String path, String authorization) throws Exception {
    return raw(port, "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: text/html,*/*;q=0.8\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n") + "\r\n");
  }

  private static String head(int port, String authorization) throws Exception {
    return raw(port, "HEAD /obs HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\nAuthorization: "
        + authorization + "\r\n\r\n");
  }

  private static String raw(int port, String request) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return answer.replaceFirst("^HTTP/1\\.0", "HTTP/1.1"); // the JDK server answers 1.0 to 1.0
    }
  }
}
