/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.ObsContext;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract every server adapter meets, run against a real server on a random loopback port. A subclass
 * starts its framework serving {@link App}'s routes:
 *
 * <ul>
 *   <li>{@code GET /hello}: 200 {@code hello}, logging one INFO line;
 *   <li>{@code GET /orders/{id}}: 200 {@code order <id>};
 *   <li>{@code GET /boom}: the handler throws {@code IllegalStateException("boom")};
 *   <li>{@code GET /fail}: a 500 response; {@code GET /bad}: a 400 response;
 *   <li>{@code GET /async}: answers 200 {@code async} from another thread after 50 ms;
 *   <li>{@code GET /user}: sets the user id, logs, calls the downstream service, answers its body;
 *   <li>{@code GET /health}: 200 {@code ok} (a health check, excluded by default);
 *   <li>{@code GET /anonymous}: the handler throws an instance of an anonymous exception class;
 *   <li>anything else: 404.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractHttpServerTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String SPAN = "00f067aa0ba902b7";
  private static final Logger log = LoggerFactory.getLogger(AbstractHttpServerTest.class);

  protected Recorder service;
  protected Recorder downstream;
  private HttpServer downstreamServer;
  private AutoCloseable server;
  private int port;
  private final HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** What the adapter under test serves; routes call these. */
  protected final class App {
    /** GET /hello. */
    public String hello() {
      log.info("hello handler");
      return "hello";
    }

    /** GET /user: sets the user id (alice, unless a caller sent one) and calls downstream through the traced client. */
    public String user() throws IOException, InterruptedException {
      if (ObsContext.userId() == null) {
        ObsContext.setUserId("alice");
      }
      log.info("user handler");
      HttpClient client = ObsHttpClient.wrap(service.http, plain);
      return client
          .send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + downstreamServer.getAddress().getPort() + "/whoami"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }

    /** GET /boom. */
    public void boom() {
      throw new IllegalStateException("boom");
    }

    /** GET /health. */
    public String health() {
      return "ok";
    }

    /** GET /anonymous: an exception whose class has no simple name. */
    public void anonymous() {
      throw new IllegalStateException("anonymous") {
        private static final long serialVersionUID = 1L;
      };
    }

    /** The body /async answers with, after 50 ms. */
    public String slow() {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return "async";
    }
  }

  /** Starts the adapter's framework on a free loopback port serving {@code app}'s routes; returns its port. */
  protected abstract Started start(ObsHttp http, App app) throws Exception;

  /** A running server. */
  protected record Started(int port, AutoCloseable stop) {}

  /** The route template the adapter reports for /orders/17. */
  protected String ordersRoute() {
    return "/orders/{id}";
  }

  /**
   * The route the adapter knows for /orders/17 before the handler runs, which the span starts named after
   * (a handler may name a finer template later, as a JDK server's handler does with ObsContext.setRoute).
   */
  protected String ordersRouteAtStart() {
    return ordersRoute();
  }

  @BeforeAll
  void startServers() throws Exception {
    service = new Recorder("orders-service");
    downstream = new Recorder("users-service");
    downstreamServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    downstreamServer
        .createContext(
            "/whoami",
            exchange -> {
              LoggerFactory.getLogger("downstream").info("downstream handler");
              byte[] body = String.valueOf(ObsContext.traceId()).getBytes(StandardCharsets.UTF_8);
              exchange.sendResponseHeaders(200, body.length);
              try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
              }
            })
        .getFilters()
        .add(ObsHttpServerFilter.create(downstream.http));
    downstreamServer.start();
    Started started = start(service.http, new App());
    port = started.port();
    server = started.stop();
  }

  @AfterAll
  void stopServers() throws Exception {
    server.close();
    downstreamServer.stop(0);
    service.close();
    downstream.close();
  }

  @BeforeEach
  void reset() {
    service.spans.reset();
    downstream.spans.reset();
  }

  /** The port the adapter under test serves on. */
  protected int port() {
    return port;
  }

  protected HttpResponse<String> get(String path, String... headers) throws Exception {
    return get(port, path, headers);
  }

  private HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .header("User-Agent", "obs4j-contract-test");
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return plain.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  private static Long longAttr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.longKey(key));
  }

  /** The count of {@code http.server.requests} with these tags so far (other tests add to it). */
  protected long served(String... tags) {
    var timer = service.obs.meterRegistry().find("http.server.requests").tags(tags).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void success_serverSpanWithSemanticAttributes_traceIdBackToCaller_andRedMetric() throws Exception {
    String[] tags = {"method", "GET", "uri", "/hello", "status", "200", "outcome", "SUCCESS", "exception", "None"};
    long before = served(tags);
    HttpResponse<String> response = get("/hello?secret=token");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello");

    SpanData span = service.server();
    assertThat(span.getName()).isEqualTo("GET /hello");
    assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(attr(span, "http.request.method")).isEqualTo("GET");
    assertThat(attr(span, "http.route")).isEqualTo("/hello");
    assertThat(attr(span, "url.path")).isEqualTo("/hello");
    assertThat(attr(span, "url.scheme")).isEqualTo("http");
    assertThat(longAttr(span, "server.port")).isEqualTo((long) port);
    assertThat(attr(span, "server.address")).isNotBlank();
    assertThat(attr(span, "client.address")).isEqualTo("127.0.0.1");
    assertThat(attr(span, "user_agent.original")).isEqualTo("obs4j-contract-test");
    assertThat(longAttr(span, "http.response.status_code")).isEqualTo(200L);
    assertThat(span.getAttributes().asMap().values().toString()).doesNotContain("secret=token");

    assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(span.getTraceId());
    assertThat(response.headers().firstValue("traceresponse"))
        .hasValue("00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getSpanContext().getTraceFlags().asHex());

    assertThat(served(tags)).isEqualTo(before + 1);
    assertThat(Recorder.logLines(l -> "hello handler".equals(l.get("message"))
            && span.getTraceId().equals(l.get("trace.id"))))
        .singleElement()
        .satisfies(l -> assertThat(l.get("span.id")).isEqualTo(span.getSpanId()));
  }

  @Test
  void routeTemplate_namesTheSpanAndTagsTheMetric_neverTheRawPath() throws Exception {
    assertThat(get("/orders/17").body()).isEqualTo("order 17");
    SpanData span = service.server();
    assertThat(span.getName()).isEqualTo("GET " + ordersRoute());
    assertThat(attr(span, "http.route")).isEqualTo(ordersRoute());
    assertThat(attr(span, "url.path")).isEqualTo("/orders/17");
    assertThat(service.timer("http.server.requests", "uri", ordersRoute()).count()).isPositive();
    assertThat(service.obs.meterRegistry().find("http.server.requests").tag("uri", "/orders/17").timers()).isEmpty();
  }

  /**
   * Jaeger's per-operation sampling matches the span's name when the span starts: the span must start named
   * {@code METHOD route}, with {@code http.route} among the attributes the sampler is given, not be renamed
   * after routing. The real {@code jaeger_remote} sampler, fed a strategy that samples nothing but two
   * operations, keeps exactly those requests; a span processor sees each span's name and route as it starts.
   */
  @Test
  void jaegerPerOperationStrategy_matchesTheRoute_becauseTheSpanStartsNamedAfterIt() throws Exception {
    String orders = "GET " + ordersRouteAtStart();
    List<String> atStart = new CopyOnWriteArrayList<>();
    SpanProcessor startNames = new SpanProcessor() {
      @Override
      public void onStart(Context parent, ReadWriteSpan span) {
        atStart.add(span.getName() + " http.route=" + span.getAttribute(AttributeKey.stringKey("http.route")));
      }

      @Override
      public boolean isStartRequired() {
        return true;
      }

      @Override
      public void onEnd(ReadableSpan span) {}

      @Override
      public boolean isEndRequired() {
        return false;
      }
    };
    try (SamplingManager manager = new SamplingManager(0.0, Map.of("GET /hello", 1.0, orders, 1.0));
        Recorder sampled = new Recorder("sampled-service", b -> b
            .sampler("jaeger_remote", manager.samplerArgument())
            .addSpanProcessor(startNames))) {
      Started started = start(sampled.http, new App());
      try (AutoCloseable stop = started.stop()) {
        manager.awaitApplied(sampled);
        atStart.clear(); // the probes
        assertThat(get(started.port(), "/hello").statusCode()).isEqualTo(200);
        assertThat(get(started.port(), "/orders/17").statusCode()).isEqualTo(200);
        assertThat(get(started.port(), "/bad").statusCode()).isEqualTo(400); // a route the strategy leaves at 0
        HttpResponse<String> unknown = get(started.port(), "/no/such/path");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("X-Trace-Id")).isPresent(); // traced, not sampled
        List<SpanData> servers = sampled.await(SpanKind.SERVER, 2).stream()
            .filter(s -> s.getKind() == SpanKind.SERVER).toList();
        assertThat(atStart).containsExactly(
            "GET /hello http.route=/hello", orders + " http.route=" + ordersRouteAtStart());
        assertThat(servers).extracting(SpanData::getName)
            .containsExactlyInAnyOrder("GET /hello", "GET " + ordersRoute());
        assertThat(servers).allSatisfy(s -> assertThat(attr(s, "http.route")).isNotNull());
      }
    }
  }

  @Test
  void unknownPath_is404_notAnError_andTaggedNotFound() throws Exception {
    assertThat(get("/no/such/path").statusCode()).isEqualTo(404);
    SpanData span = service.server();
    assertThat(span.getName()).isEqualTo("GET");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(longAttr(span, "http.response.status_code")).isEqualTo(404L);
    assertThat(service.timer("http.server.requests", "uri", "NOT_FOUND", "status", "404").count()).isPositive();
  }

  @Test
  void handlerException_is500_anErrorSpan_withTheExceptionInMetricsAndOneErrorLogLine() throws Exception {
    assertThat(get("/boom").statusCode()).isEqualTo(500);
    SpanData span = service.server();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attr(span, "error.type")).isEqualTo("java.lang.IllegalStateException");
    assertThat(longAttr(span, "http.response.status_code")).isEqualTo(500L);
    assertThat(span.getEvents()).anySatisfy(e -> {
      assertThat(e.getName()).isEqualTo("exception");
      assertThat(e.getAttributes().get(AttributeKey.stringKey("exception.message"))).isEqualTo("boom");
    });
    assertThat(service.timer("http.server.requests", "uri", "/boom", "status", "500", "outcome", "SERVER_ERROR",
            "exception", "IllegalStateException").count()).isEqualTo(1);
    List<Map<String, Object>> errors = Recorder.logLines(l -> "ERROR".equals(l.get("log.level"))
        && span.getTraceId().equals(l.get("trace.id")));
    assertThat(errors).singleElement().satisfies(l -> {
      assertThat((String) l.get("message")).contains("GET /boom").contains("500").contains(span.getTraceId());
      assertThat(l.get("error.type")).isEqualTo("java.lang.IllegalStateException");
    });
  }

  @Test
  void fiveHundredResponse_isAnErrorSpan_andLogsAtError() throws Exception {
    assertThat(get("/fail").statusCode()).isEqualTo(500);
    SpanData span = service.server();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attr(span, "error.type")).isEqualTo("500");
    assertThat(service.timer("http.server.requests", "uri", "/fail", "status", "500", "exception", "None").count())
        .isEqualTo(1);
    assertThat(Recorder.logLines(l -> "ERROR".equals(l.get("log.level")) && span.getTraceId().equals(l.get("trace.id"))))
        .hasSize(1);
  }

  @Test
  void clientError_isNotAServerSpanError_andIsNotLoggedAtError() throws Exception {
    assertThat(get("/bad").statusCode()).isEqualTo(400);
    SpanData span = service.server();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(attr(span, "error.type")).isNull();
    assertThat(service.timer("http.server.requests", "uri", "/bad", "outcome", "CLIENT_ERROR").count()).isEqualTo(1);
    assertThat(Recorder.logLines(l -> span.getTraceId().equals(l.get("trace.id"))
        && ("ERROR".equals(l.get("log.level")) || "WARN".equals(l.get("log.level"))))).isEmpty();
  }

  @Test
  void asyncResponse_endsTheSpanWhenTheResponseCompletes() throws Exception {
    HttpResponse<String> response = get("/async");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("async");
    SpanData span = service.server();
    assertThat(longAttr(span, "http.response.status_code")).isEqualTo(200L);
    assertThat(span.getEndEpochNanos() - span.getStartEpochNanos()).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
    assertThat(service.timer("http.server.requests", "uri", "/async", "status", "200").count()).isEqualTo(1);
  }

  static Stream<Arguments> parents() {
    return Stream.of(
        Arguments.of("w3c", new String[] {"traceparent", "00-" + TRACE + "-" + SPAN + "-01"}),
        Arguments.of("jaeger", new String[] {"uber-trace-id", TRACE + ":" + SPAN + ":0:1"}),
        Arguments.of("b3", new String[] {"b3", TRACE + "-" + SPAN + "-1"}),
        Arguments.of("b3multi", new String[] {"X-B3-TraceId", TRACE, "X-B3-SpanId", SPAN, "X-B3-Sampled", "1"}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("parents")
  void incomingTraceHeaders_continueTheTrace(String format, String[] headers) throws Exception {
    HttpResponse<String> response = get("/hello", headers);
    SpanData span = service.server();
    assertThat(span.getTraceId()).isEqualTo(TRACE);
    assertThat(span.getParentSpanId()).isEqualTo(SPAN);
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
    assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(TRACE);
  }

  @Test
  void malformedTraceHeaders_areIgnored_andANewTraceStarts() throws Exception {
    HttpResponse<String> response =
        get("/hello", "traceparent", "00-zzzz-" + SPAN + "-01", "uber-trace-id", "garbage", "b3", "0-0-1");
    assertThat(response.statusCode()).isEqualTo(200);
    SpanData span = service.server();
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(response.headers().firstValue("X-Trace-Id")).hasValue(span.getTraceId());
  }

  @Test
  void userId_landsOnTheSpanAndLogs_andTravelsDownstream() throws Exception {
    HttpResponse<String> response = get("/user");
    assertThat(response.statusCode()).isEqualTo(200);
    SpanData upstream = service.server();
    assertThat(attr(upstream, "enduser.id")).isEqualTo("alice");
    assertThat(response.body()).isEqualTo(upstream.getTraceId()); // downstream saw the same trace

    SpanData client = service.spans.getFinishedSpanItems().stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(client.getParentSpanId()).isEqualTo(upstream.getSpanId());
    SpanData downstreamSpan = downstream.server();
    assertThat(downstreamSpan.getTraceId()).isEqualTo(upstream.getTraceId());
    assertThat(downstreamSpan.getParentSpanId()).isEqualTo(client.getSpanId());
    assertThat(attr(downstreamSpan, "enduser.id")).isEqualTo("alice");

    assertThat(Recorder.logLines(l -> "user handler".equals(l.get("message")) && upstream.getTraceId().equals(l.get("trace.id"))))
        .singleElement().satisfies(l -> assertThat(l.get("user.id")).isEqualTo("alice"));
    assertThat(Recorder.logLines(l -> "downstream handler".equals(l.get("message")) && upstream.getTraceId().equals(l.get("trace.id"))))
        .singleElement().satisfies(l -> {
          assertThat(l.get("user.id")).isEqualTo("alice");
          assertThat(l.get("span.id")).isEqualTo(downstreamSpan.getSpanId());
        });
    // and the user id does not leak into the next request on the same threads
    get("/hello");
    assertThat(Recorder.logLines(l -> "hello handler".equals(l.get("message")) && l.containsKey("user.id"))).isEmpty();
  }

  @Test
  void excludedPath_healthCheck_getsNoSpanNoTimerAndNoTraceHeaders() throws Exception {
    HttpResponse<String> health = get("/health", "traceparent", "00-" + TRACE + "-" + SPAN + "-01");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok");
    assertThat(health.headers().firstValue("X-Trace-Id")).isEmpty();
    assertThat(health.headers().firstValue("traceresponse")).isEmpty();
    get("/hello");
    assertThat(service.server().getName()).isEqualTo("GET /hello"); // the only server span
    assertThat(service.obs.meterRegistry().find("http.server.requests").tag("uri", "/health").timers()).isEmpty();
  }

  /** The sampled bit of a {@code traceresponse} header's flags. */
  private static boolean sampledFlag(String traceresponse) {
    return (Integer.parseInt(traceresponse.substring(traceresponse.length() - 2), 16) & 1) == 1;
  }

  @Test
  void traceresponse_saysSampledOnlyForASampledSpan_andXTraceIdIsOnEveryResponse() throws Exception {
    String sampledTrace = IdGenerator.random().generateTraceId();
    HttpResponse<String> sampled = get("/hello", "traceparent", "00-" + sampledTrace + "-" + SPAN + "-01");
    SpanData span = service.server();
    assertThat(sampled.headers().firstValue("traceresponse")).hasValueSatisfying(v -> {
      assertThat(v).startsWith("00-" + sampledTrace + "-" + span.getSpanId() + "-");
      assertThat(sampledFlag(v)).isTrue();
    });
    assertThat(sampled.headers().firstValue("X-Trace-Id")).hasValue(sampledTrace);

    service.spans.reset();
    String unsampledTrace = IdGenerator.random().generateTraceId();
    HttpResponse<String> unsampled = get("/hello", "traceparent", "00-" + unsampledTrace + "-" + SPAN + "-00");
    assertThat(unsampled.statusCode()).isEqualTo(200);
    assertThat(unsampled.headers().firstValue("traceresponse")).hasValueSatisfying(v -> {
      assertThat(v).startsWith("00-" + unsampledTrace + "-");
      assertThat(sampledFlag(v)).isFalse();
    });
    // not kept, yet the id still finds the request's log lines
    assertThat(unsampled.headers().firstValue("X-Trace-Id")).hasValue(unsampledTrace);
    assertThat(Recorder.logLines(l -> "hello handler".equals(l.get("message")) && unsampledTrace.equals(l.get("trace.id"))))
        .hasSize(1);
  }

  @Test
  void anonymousExceptionClass_tagsTheMetricWithItsName_neverEmpty() throws Exception {
    assertThat(get("/anonymous").statusCode()).isEqualTo(500);
    SpanData span = service.server();
    assertThat(attr(span, "error.type")).isEqualTo("dev.obs4j.http.AbstractHttpServerTest$App$1");
    assertThat(service.obs.meterRegistry().find("http.server.requests").tag("uri", "/anonymous").timers())
        .singleElement()
        .satisfies(t -> assertThat(t.getId().getTag("exception")).isEqualTo("AbstractHttpServerTest$App$1"));
  }

  // ---- a mixed fleet: what real peers send, with obs4j's defaults ----

  @Test
  void jaegerClientCaller_uberctxBaggage_reachesTheSpanTheLogsAndTheDownstreamCall() throws Exception {
    // what jaeger-client-java sends: lower-case names, the user id as uberctx- baggage
    HttpResponse<String> response =
        get("/user", "uber-trace-id", TRACE + ":" + SPAN + ":0:1", "uberctx-user.id", "bob");
    assertThat(response.statusCode()).isEqualTo(200);
    SpanData upstream = service.server();
    assertThat(upstream.getTraceId()).isEqualTo(TRACE);
    assertThat(attr(upstream, "enduser.id")).isEqualTo("bob");
    assertThat(Recorder.logLines(l -> "user handler".equals(l.get("message")) && upstream.getSpanId().equals(l.get("span.id"))))
        .singleElement().satisfies(l -> assertThat(l.get("user.id")).isEqualTo("bob"));
    assertThat(attr(downstream.server(), "enduser.id")).isEqualTo("bob");
  }

  @Test
  void mixedCaseJaegerBaggageNames_areFoundToo() throws Exception {
    get("/user", "Uber-Trace-Id", TRACE + ":" + SPAN + ":0:1", "UberCtx-User.Id", "carol");
    assertThat(attr(service.server(), "enduser.id")).isEqualTo("carol");
  }

  @Test
  void severalFormats_traceparentWins_thenUberTraceId_thenB3() throws Exception {
    String jaegerTrace = "1111111111111111aaaaaaaaaaaaaaaa";
    String b3Trace = "2222222222222222bbbbbbbbbbbbbbbb";
    get("/hello",
        "b3", b3Trace + "-" + SPAN + "-1",
        "uber-trace-id", jaegerTrace + ":" + SPAN + ":0:1",
        "traceparent", "00-" + TRACE + "-" + SPAN + "-01");
    assertThat(service.server().getTraceId()).isEqualTo(TRACE);
    service.spans.reset();
    get("/hello", "b3", b3Trace + "-" + SPAN + "-1", "uber-trace-id", jaegerTrace + ":" + SPAN + ":0:1");
    assertThat(service.server().getTraceId()).isEqualTo(jaegerTrace);
    service.spans.reset();
    get("/hello", "b3", b3Trace + "-" + SPAN + "-1");
    assertThat(service.server().getTraceId()).isEqualTo(b3Trace);
  }

  @Test
  void w3cAndJaegerBaggage_merge_andW3cWinsTheKeyBothCarry() throws Exception {
    get("/user", "traceparent", "00-" + TRACE + "-" + SPAN + "-01",
        "baggage", "user.id=dave", "uberctx-user.id", "mallory");
    assertThat(attr(service.server(), "enduser.id")).isEqualTo("dave");
  }
}
