/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.net.Authenticator;
import java.net.ConnectException;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The wrapped JDK client calling an instrumented JDK server: one trace, client span parent of server span. */
class HttpClientTest {

  /** Starts a server reporting to {@code exporter}, answering /down 503, /missing 404, anything else 200; returns it. */
  private static HttpServer server(ObsHttp http, Map<String, String> seenHeaders) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), v.get(0)));
      String path = exchange.getRequestURI().getPath();
      int status = path.equals("/down") ? 503 : path.equals("/missing") ? 404 : 200;
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).getFilters().add(ObsHttpServerFilter.create(http));
    server.start();
    return server;
  }

  private static Obs obs(String service, InMemorySpanExporter exporter, String propagator) {
    return Obs.builder().serviceName(service).shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
        .propagators(propagator)
        .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  }

  private static SpanData only(InMemorySpanExporter exporter, SpanKind kind) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<SpanData> spans;
    do {
      spans = exporter.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
      if (spans.size() == 1) {
        return spans.get(0);
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected one " + kind + " span, got " + spans);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tracecontext", "jaeger", "b3", "b3multi"})
  void wrappedClient_continuesItsTraceIntoTheServer_inEachFormat(String propagator) throws Exception {
    InMemorySpanExporter clientSpans = InMemorySpanExporter.create();
    InMemorySpanExporter serverSpans = InMemorySpanExporter.create();
    Map<String, String> seen = new ConcurrentHashMap<>();
    try (Obs clientObs = obs("caller", clientSpans, propagator);
        Obs serverObs = obs("callee", serverSpans, propagator)) {
      HttpServer server = server(ObsHttp.create(serverObs), seen);
      try {
        HttpClient client = ObsHttpClient.wrap(ObsHttp.create(clientObs), HttpClient.newHttpClient());
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ok?q=secret");
        HttpResponse<String> sync = clientObs.inSpan("job", () -> client.send(
            HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
        assertThat(sync.statusCode()).isEqualTo(200);

        SpanData job = clientSpans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("job")).findFirst().orElseThrow();
        SpanData clientSpan = only(clientSpans, SpanKind.CLIENT);
        SpanData serverSpan = only(serverSpans, SpanKind.SERVER);
        assertThat(clientSpan.getName()).isEqualTo("GET");
        assertThat(clientSpan.getParentSpanId()).isEqualTo(job.getSpanId());
        assertThat(serverSpan.getTraceId()).isEqualTo(clientSpan.getTraceId());
        assertThat(serverSpan.getParentSpanId()).isEqualTo(clientSpan.getSpanId());
        assertThat(clientSpan.getAttributes().get(AttributeKey.stringKey("url.full")))
            .isEqualTo("http://127.0.0.1:" + server.getAddress().getPort() + "/ok");
        assertThat(clientSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
        switch (propagator) {
          case "tracecontext" -> assertThat(seen).containsKey("traceparent").doesNotContainKey("uber-trace-id");
          case "jaeger" -> assertThat(seen).containsKey("uber-trace-id").doesNotContainKey("traceparent");
          case "b3" -> assertThat(seen).containsKey("b3");
          default -> assertThat(seen).containsKey("x-b3-traceid");
        }
        assertThat(clientObs.meterRegistry().get("http.client.requests")
            .tags("method", "GET", "status", "200", "outcome", "SUCCESS", "client.name", "127.0.0.1").timer().count())
            .isEqualTo(1);

        clientSpans.reset();
        serverSpans.reset();
        HttpResponse<String> async = client.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
            .get(10, TimeUnit.SECONDS);
        assertThat(async.statusCode()).isEqualTo(200);
        assertThat(only(serverSpans, SpanKind.SERVER).getParentSpanId()).isEqualTo(only(clientSpans, SpanKind.CLIENT).getSpanId());
      } finally {
        server.stop(0);
      }
    }
  }

  @Test
  void fiveHundredsAndConnectionFailures_areClientErrors_andAreCounted() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = obs("caller", spans, "tracecontext")) {
      HttpServer server = server(ObsHttp.create(obs), new ConcurrentHashMap<>());
      HttpClient client = ObsHttpClient.wrap(ObsHttp.create(obs), HttpClient.newHttpClient());
      try {
        HttpResponse<String> down = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/down")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(down.statusCode()).isEqualTo(503);
      } finally {
        server.stop(0);
      }
      SpanData failed = only(spans, SpanKind.CLIENT);
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("503");

      spans.reset();
      int closed;
      try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closed = probe.getLocalPort();
      }
      assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closed + "/x")).build(),
          HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
      SpanData refused = only(spans, SpanKind.CLIENT);
      assertThat(refused.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(refused.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("java.net.ConnectException");
      assertThat(obs.meterRegistry().get("http.client.requests").tags("status", "CLIENT_ERROR", "exception", "ConnectException")
          .timer().count()).isEqualTo(1);
    }
  }

  @Test
  void fourHundreds_areClientSpanErrors_whileTheServerSpanIsNone() throws Exception {
    InMemorySpanExporter clientSpans = InMemorySpanExporter.create();
    InMemorySpanExporter serverSpans = InMemorySpanExporter.create();
    try (Obs clientObs = obs("caller", clientSpans, "tracecontext");
        Obs serverObs = obs("callee", serverSpans, "tracecontext")) {
      HttpServer server = server(ObsHttp.create(serverObs), new ConcurrentHashMap<>());
      try {
        HttpClient client = ObsHttpClient.wrap(ObsHttp.create(clientObs), HttpClient.newHttpClient());
        HttpResponse<String> missing = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/missing")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
      } finally {
        server.stop(0);
      }
      SpanData clientSpan = only(clientSpans, SpanKind.CLIENT);
      assertThat(clientSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(clientSpan.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("404");
      assertThat(clientSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
      SpanData serverSpan = only(serverSpans, SpanKind.SERVER);
      assertThat(serverSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(serverSpan.getAttributes().get(AttributeKey.stringKey("error.type"))).isNull();
      assertThat(clientObs.meterRegistry().get("http.client.requests")
          .tags("status", "404", "outcome", "CLIENT_ERROR", "exception", "None").timer().count()).isEqualTo(1);
    }
  }

  @Test
  void clientTimer_comesFromTheSharedMeterCache() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = obs("caller", spans, "tracecontext")) {
      HttpServer server = server(ObsHttp.create(obs), new ConcurrentHashMap<>());
      try {
        HttpClient client = ObsHttpClient.wrap(ObsHttp.create(obs), HttpClient.newHttpClient());
        for (int i = 0; i < 2; i++) {
          client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ok")).build(),
              HttpResponse.BodyHandlers.discarding());
        }
      } finally {
        server.stop(0);
      }
      Timer registered = obs.meterRegistry().get("http.client.requests").tags("status", "200").timer();
      assertThat(registered.count()).isEqualTo(2);
      Timer cached = dev.obs4j.internal.ObsInternals.meters(obs.operations()).get(
          new HttpClientHandler.TimerKey("GET", "none", "200", "SUCCESS", "None", "127.0.0.1"),
          key -> {
            throw new AssertionError("the client timer is not in the shared meter cache");
          });
      assertThat(cached).isSameAs(registered);
    }
  }

  /**
   * Another library's client decorating the JDK's: its {@code sendAsync} answers a plain CompletableFuture
   * that forwards its own cancel to the JDK's future, as a decorator must (cancelling a dependent future
   * never reaches its source). Remembers the last future it returned.
   */
  static final class DecoratingClient extends HttpClient {
    private final HttpClient jdk = HttpClient.newHttpClient();
    volatile CompletableFuture<?> returned;

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
        throws IOException, InterruptedException {
      return jdk.send(request, handler);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
      return sendAsync(request, handler, null);
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(
        HttpRequest request, HttpResponse.BodyHandler<T> handler, HttpResponse.PushPromiseHandler<T> push) {
      CompletableFuture<HttpResponse<T>> inner = jdk.sendAsync(request, handler, push);
      CompletableFuture<HttpResponse<T>> outer = new CompletableFuture<>() {
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
          boolean cancelled = super.cancel(mayInterruptIfRunning);
          inner.cancel(mayInterruptIfRunning);
          return cancelled;
        }
      };
      inner.whenComplete((response, error) -> {
        if (error != null) {
          outer.completeExceptionally(error);
        } else {
          outer.complete(response);
        }
      });
      returned = outer;
      return outer;
    }

    @Override public Optional<CookieHandler> cookieHandler() { return jdk.cookieHandler(); }
    @Override public Optional<Duration> connectTimeout() { return jdk.connectTimeout(); }
    @Override public Redirect followRedirects() { return jdk.followRedirects(); }
    @Override public Optional<ProxySelector> proxy() { return jdk.proxy(); }
    @Override public SSLContext sslContext() { return jdk.sslContext(); }
    @Override public SSLParameters sslParameters() { return jdk.sslParameters(); }
    @Override public Optional<Authenticator> authenticator() { return jdk.authenticator(); }
    @Override public Version version() { return jdk.version(); }
    @Override public Optional<Executor> executor() { return jdk.executor(); }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"jdk", "decorated"})
  void cancellingSendAsync_cancelsTheExchange_andEndsTheClientSpan(String delegate) throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    DecoratingClient decorating = new DecoratingClient();
    HttpClient wrapped = delegate.equals("jdk") ? HttpClient.newHttpClient() : decorating;
    try (Obs obs = obs("caller", spans, "tracecontext");
        ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      HttpClient client = ObsHttpClient.wrap(ObsHttp.create(obs), wrapped);
      CompletableFuture<HttpResponse<String>> pending = client.sendAsync(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/never")).build(),
          HttpResponse.BodyHandlers.ofString());
      silent.setSoTimeout(10_000);
      try (Socket connection = silent.accept()) {
        connection.setSoTimeout(10_000);
        InputStream in = connection.getInputStream();
        assertThat(in.read(new byte[8192])).isPositive(); // the request arrived; no answer ever comes
        assertThat(pending.cancel(true)).isTrue();
        if (delegate.equals("decorated")) {
          assertThat(decorating.returned.isCancelled()).as("the delegate's future is cancelled").isTrue();
        }
        int afterCancel;
        try {
          afterCancel = in.read();
        } catch (SocketTimeoutException e) {
          throw new AssertionError("the exchange went on after cancel: the connection is still open", e);
        } catch (SocketException reset) {
          afterCancel = -1; // closed by the client, as a reset
        }
        assertThat(afterCancel).as("the client closed the connection").isEqualTo(-1);
      } finally {
        Reference.reachabilityFence(wrapped); // a JDK client no longer referenced closes its connections itself
        Reference.reachabilityFence(decorating.jdk);
      }
      SpanData span = only(spans, SpanKind.CLIENT);
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("java.util.concurrent.CancellationException");
      assertThat(obs.meterRegistry().get("http.client.requests")
          .tags("status", "CLIENT_ERROR", "exception", "CancellationException").timer().count()).isEqualTo(1);
    }
  }

  @Test
  void newWebSocketBuilder_isTheWrappedClients() throws Exception {
    Javalin echo = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.routes.ws("/echo", ws -> ws.onMessage(ctx -> ctx.send(ctx.message())));
    }).start("127.0.0.1", 0);
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = obs("caller", spans, "tracecontext")) {
      HttpClient client = ObsHttpClient.wrap(ObsHttp.create(obs), HttpClient.newHttpClient());
      CompletableFuture<String> reply = new CompletableFuture<>();
      WebSocket socket = client.newWebSocketBuilder()
          .buildAsync(URI.create("ws://127.0.0.1:" + echo.port() + "/echo"), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
              reply.complete(data.toString());
              return null;
            }
          })
          .get(10, TimeUnit.SECONDS);
      socket.sendText("ping", true).get(10, TimeUnit.SECONDS);
      assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    } finally {
      echo.stop();
    }
  }
}
