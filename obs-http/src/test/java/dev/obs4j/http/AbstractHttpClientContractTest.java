/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.javalin.ObsJavalin;
import dev.obs4j.instrument.Operation;
import io.javalin.Javalin;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every HTTP client adapter must do, against a real Javalin (Jetty) server traced by obs4j: one subclass
 * per adapter supplies the client. The server answers {@code /ok} 200, {@code /down} 500, {@code /missing}
 * 404, {@code /redirect} 302 to {@code /ok}, and {@code /busy/{key}} 503 with {@code Retry-After: 0} the first
 * time for each key, then 200 (which every client here retries).
 */
abstract class AbstractHttpClientContractTest {
  static final AttributeKey<Long> RESEND = AttributeKey.longKey("http.request.resend_count");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  /** One client under test: sends a GET and answers the status, after reading the body. */
  protected interface Client extends AutoCloseable {
    int get(URI uri) throws Exception;

    @Override
    default void close() throws Exception {}
  }

  /** The adapter's client over {@code http}. */
  protected abstract Client client(ObsHttp http) throws Exception;

  /** The class of what the client throws when the connection is refused. */
  protected abstract Class<? extends Exception> connectFailure();

  static Recorder callee;
  static Javalin server;
  static final List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
  static final Map<String, AtomicInteger> busy = new ConcurrentHashMap<>();

  protected InMemorySpanExporter spans;

  @BeforeAll
  static void startServer() {
    callee = new Recorder("callee");
    server =
        Javalin.create(
                cfg -> {
                  cfg.registerPlugin(ObsJavalin.create(callee.http));
                  cfg.startup.showJavalinBanner = false;
                  cfg.routes.before(ctx -> {
                    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                    headers.putAll(ctx.headerMap());
                    headers.put(":path", ctx.path());
                    seen.add(headers);
                  });
                  cfg.routes.get("/ok", ctx -> ctx.result("ok"));
                  cfg.routes.get("/down", ctx -> ctx.status(500).result("down"));
                  cfg.routes.get("/missing", ctx -> ctx.status(404).result("missing"));
                  cfg.routes.get("/redirect", ctx -> ctx.redirect("/ok", io.javalin.http.HttpStatus.FOUND));
                  cfg.routes.get("/busy/{key}", ctx -> {
                    if (busy.computeIfAbsent(ctx.pathParam("key"), k -> new AtomicInteger()).getAndIncrement() == 0) {
                      ctx.header("Retry-After", "0").status(503).result("busy");
                    } else {
                      ctx.result("ok");
                    }
                  });
                })
            .start("127.0.0.1", 0);
  }

  @AfterAll
  static void stopServer() {
    server.stop();
    callee.close();
  }

  @BeforeEach
  void reset() {
    spans = InMemorySpanExporter.create();
    seen.clear();
    callee.spans.reset();
  }

  @AfterEach
  void noSpanLeftOpen() {
    spans.reset();
  }

  protected Obs obs(String propagators, String... settings) {
    Obs.Builder builder =
        Obs.builder().serviceName("caller").shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
            .addSpanProcessor(SimpleSpanProcessor.create(spans));
    if (propagators != null) {
      builder.propagators(propagators);
    }
    for (int i = 0; i < settings.length; i += 2) {
      builder.set(settings[i], settings[i + 1]);
    }
    return builder.build();
  }

  protected static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  /** Starts an entry operation (a request this service serves), the parent of the calls made inside it. */
  protected static Operation entry(Obs obs) {
    return obs.operations().start(Context.root(), "GET /checkout", SpanKind.SERVER, Attributes.empty());
  }

  protected static void end(Obs obs, Operation entry) {
    obs.operations().end(entry, null, false, null, null, null);
  }

  /** The CLIENT spans, once {@code count} have ended, oldest first. */
  protected List<SpanData> clientSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<SpanData> clients;
    do {
      clients = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT)
          .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
      if (clients.size() >= count) {
        break;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    assertThat(clients).as("CLIENT spans").hasSize(count);
    return clients;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tracecontext", "jaeger", "b3", "b3multi"})
  void oneClientSpanPerRequest_continuedByTheServer_inEachFormat(String propagator) throws Exception {
    try (Obs obs = obs(propagator); Client client = client(ObsHttp.create(obs))) {
      Operation entry = entry(obs);
      int status;
      try (var ignored = entry.makeCurrent()) {
        status = client.get(uri("/ok?token=secret"));
      } finally {
        end(obs, entry);
      }
      assertThat(status).isEqualTo(200);

      SpanData call = clientSpans(1).get(0);
      assertThat(call.getName()).isEqualTo("GET");
      assertThat(call.getParentSpanId()).isEqualTo(entry.span().getSpanContext().getSpanId());
      assertThat(call.getAttributes().asMap()).containsExactlyInAnyOrderEntriesOf(Map.of(
          AttributeKey.stringKey("http.request.method"), "GET",
          AttributeKey.stringKey("url.full"), "http://127.0.0.1:" + server.port() + "/ok",
          AttributeKey.stringKey("url.scheme"), "http",
          AttributeKey.stringKey("server.address"), "127.0.0.1",
          AttributeKey.longKey("server.port"), (long) server.port(),
          STATUS, 200L));
      assertThat(call.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

      SpanData served = callee.server();
      assertThat(served.getTraceId()).isEqualTo(call.getTraceId());
      assertThat(served.getParentSpanId()).isEqualTo(call.getSpanId());
      Map<String, String> headers = seen.get(0);
      switch (propagator) {
        case "tracecontext" -> assertThat(headers).containsKey("traceparent").doesNotContainKey("uber-trace-id");
        case "jaeger" -> assertThat(headers).containsKey("uber-trace-id").doesNotContainKey("traceparent");
        case "b3" -> assertThat(headers).containsKey("b3").doesNotContainKey("traceparent");
        default -> assertThat(headers).containsKey("x-b3-traceid").doesNotContainKey("traceparent");
      }

      assertThat(obs.meterRegistry().get("http.client.requests")
          .tags("method", "GET", "uri", "none", "status", "200", "outcome", "SUCCESS", "exception", "None",
              "client.name", "127.0.0.1")
          .timer().count()).isEqualTo(1);
      String openMetrics = obs.meterRegistry().scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
      assertThat(openMetrics.lines().filter(l -> l.startsWith("http_client_requests_seconds")))
          .as("the timer's exemplar links the call's trace")
          .anySatisfy(l -> assertThat(l).contains("trace_id=\"" + call.getTraceId() + "\""));
    }
  }

  @Test
  void businessFields_travelOnlyToAllowedHosts() throws Exception {
    for (String allowed : List.of("orders.internal", "127.0.0.1")) {
      seen.clear();
      try (Obs obs = obs(null, "OBS4J_CONTEXT_PROPAGATE_HOSTS", allowed);
          Client client = client(ObsHttp.create(obs))) {
        Operation entry = entry(obs);
        try (var ignored = entry.makeCurrent()) {
          ObsContext.setUserId("alice");
          assertThat(client.get(uri("/ok"))).isEqualTo(200);
        } finally {
          end(obs, entry);
        }
      }
      Map<String, String> headers = seen.get(0);
      assertThat(headers).as("the trace goes everywhere").containsKey("traceparent");
      if (allowed.equals("127.0.0.1")) {
        assertThat(headers.get("baggage")).contains("alice");
      } else {
        assertThat(String.valueOf(headers.get("baggage"))).as("denied host").doesNotContain("alice");
        assertThat(headers.keySet()).noneMatch(k -> k.toLowerCase().startsWith("uberctx-"));
      }
    }
  }

  @Test
  void serverErrorsAndClientErrors_failTheClientSpan_andAreTimedByStatus() throws Exception {
    try (Obs obs = obs(null); Client client = client(ObsHttp.create(obs))) {
      assertThat(client.get(uri("/down"))).isEqualTo(500);
      assertThat(client.get(uri("/missing"))).isEqualTo(404);
      List<SpanData> calls = clientSpans(2);
      assertThat(calls).extracting(s -> s.getStatus().getStatusCode()).containsOnly(StatusCode.ERROR);
      assertThat(calls).extracting(s -> s.getAttributes().get(ERROR_TYPE)).containsExactly("500", "404");
      assertThat(calls).extracting(s -> s.getAttributes().get(STATUS)).containsExactly(500L, 404L);
      assertThat(obs.meterRegistry().get("http.client.requests").tags("status", "500", "outcome", "SERVER_ERROR")
          .timer().count()).isEqualTo(1);
      assertThat(obs.meterRegistry().get("http.client.requests").tags("status", "404", "outcome", "CLIENT_ERROR")
          .timer().count()).isEqualTo(1);
    }
  }

  @Test
  void connectionRefused_isOneFailedSpan_namedByTheException() throws Exception {
    int closed;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = probe.getLocalPort();
    }
    try (Obs obs = obs(null); Client client = client(ObsHttp.create(obs))) {
      Operation entry = entry(obs);
      try (var ignored = entry.makeCurrent()) {
        assertThatThrownBy(() -> client.get(URI.create("http://127.0.0.1:" + closed + "/x")))
            .isInstanceOf(connectFailure());
      } finally {
        end(obs, entry);
      }
      SpanData refused = clientSpans(1).get(0);
      assertThat(refused.getParentSpanId()).isEqualTo(entry.span().getSpanContext().getSpanId());
      assertThat(refused.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(refused.getAttributes().get(ERROR_TYPE)).isEqualTo(connectFailure().getName());
      assertThat(refused.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo((long) closed);
      assertThat(obs.meterRegistry().get("http.client.requests")
          .tags("status", "CLIENT_ERROR", "outcome", "UNKNOWN", "exception", connectFailure().getSimpleName())
          .timer().count()).isEqualTo(1);
    }
  }

  @Test
  void redirectFollowed_isASecondSpan_withResendCount() throws Exception {
    resentOnce("/redirect", 302, "/ok");
  }

  @Test
  void retryAfter503_isASecondSpan_withResendCount() throws Exception {
    String path = "/busy/" + getClass().getSimpleName();
    resentOnce(path, 503, path);
  }

  private void resentOnce(String path, int firstStatus, String secondPath) throws Exception {
    try (Obs obs = obs(null); Client client = client(ObsHttp.create(obs))) {
      Operation entry = entry(obs);
      try (var ignored = entry.makeCurrent()) {
        assertThat(client.get(uri(path))).isEqualTo(200);
      } finally {
        end(obs, entry);
      }
      List<SpanData> attempts = clientSpans(2);
      String parent = entry.span().getSpanContext().getSpanId();
      assertThat(attempts).extracting(SpanData::getParentSpanId).containsOnly(parent);
      assertThat(attempts.get(0).getAttributes().get(STATUS)).isEqualTo((long) firstStatus);
      assertThat(attempts.get(0).getAttributes().get(RESEND)).as("the first send is no resend").isNull();
      assertThat(attempts.get(1).getAttributes().get(STATUS)).isEqualTo(200L);
      assertThat(attempts.get(1).getAttributes().get(RESEND)).isEqualTo(1L);
      assertThat(attempts.get(1).getAttributes().get(AttributeKey.stringKey("url.full"))).endsWith(secondPath);
      assertThat(seen).extracting(h -> h.get(":path")).containsExactly(path, secondPath);
      // each attempt carried its own span as the server's parent
      assertThat(seen.get(0).get("traceparent")).contains(attempts.get(0).getSpanId());
      assertThat(seen.get(1).get("traceparent")).contains(attempts.get(1).getSpanId());
      assertThat(obs.meterRegistry().get("http.client.requests").timers())
          .extracting(t -> t.getId().getTag("status") + "=" + t.count())
          .containsExactlyInAnyOrder(firstStatus + "=1", "200=1");
    }
  }
}
