/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.metrics.PrometheusScrape;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The contract every transport keeps: a gateway (client interceptor) calls orders (server interceptor) over
 * a real grpc-java server and channel, one trace across both. Subclasses start the server and the channel.
 */
abstract class AbstractGrpcContractTest {
  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");

  Recorder gateway;
  Recorder orders;
  Orders service;
  Server server;
  ManagedChannel channel;
  Channel traced;

  /** A started server serving {@code service}. */
  abstract Server startServer(ServerServiceDefinition service) throws Exception;

  /** A channel to {@code server}. */
  abstract ManagedChannel channel(Server server);

  /** What the client's span says {@code server.address} is, and its port (or null where there is none). */
  abstract String serverAddress(Server server);

  abstract Long serverPort(Server server);

  /** Whether the transport has network peers (a socket address) to report. */
  abstract boolean hasNetworkPeer();

  void start(String propagators, boolean messageEvents) throws Exception {
    gateway = new Recorder("gateway", propagators);
    orders = new Recorder("orders", propagators);
    service = new Orders();
    server = startServer(service.service(ObsGrpc.create(orders.obs).newServerInterceptor()));
    channel = channel(server);
    traced = ClientInterceptors.intercept(
        channel, ObsGrpc.builder(gateway.obs).messageEvents(messageEvents).build().newClientInterceptor());
  }

  @BeforeEach
  void defaults() throws Exception {
    start("tracecontext,baggage,jaeger", false);
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    gateway.close();
    orders.close();
  }

  private void restart(String propagators, boolean messageEvents) throws Exception {
    stop();
    start(propagators, messageEvents);
  }

  private static String unique(String prefix) {
    return prefix + "-" + System.nanoTime();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "tracecontext, traceparent",
    "jaeger, uber-trace-id",
    "b3, b3",
    "b3multi, x-b3-traceid",
    "'tracecontext,baggage,jaeger', traceparent"
  })
  void unary_oneTraceAcrossClientAndServer_inEachFormat(String propagators, String header) throws Exception {
    restart(propagators, false);
    String request = unique("17");
    String answer = gateway.obs.inSpan("checkout",
        () -> ClientCalls.blockingUnaryCall(traced, Orders.GET, CallOptions.DEFAULT, request));
    assertThat(answer).isEqualTo("order " + request);

    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    assertThat(client.getName()).isEqualTo("shop.Orders/Get");
    assertThat(served.getName()).isEqualTo("shop.Orders/Get");
    assertThat(client.getParentSpanId()).isEqualTo(gateway.named("checkout").getSpanId());
    assertThat(served.getTraceId()).isEqualTo(client.getTraceId());
    assertThat(served.getParentSpanId()).isEqualTo(client.getSpanId());
    assertThat(served.getParentSpanContext().isRemote()).isTrue();
    for (SpanData span : List.of(client, served)) {
      assertThat(span.getAttributes().get(RPC_SYSTEM)).isEqualTo("grpc");
      assertThat(span.getAttributes().get(RPC_SERVICE)).isEqualTo("shop.Orders");
      assertThat(span.getAttributes().get(RPC_METHOD)).isEqualTo("Get");
      assertThat(span.getAttributes().get(STATUS_CODE)).isEqualTo(0L);
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }
    assertThat(client.getAttributes().get(SERVER_ADDRESS)).isEqualTo(serverAddress(server));
    assertThat(client.getAttributes().get(SERVER_PORT)).isEqualTo(serverPort(server));
    assertThat(served.getAttributes().get(SERVER_ADDRESS)).isEqualTo(serverAddress(server));
    if (hasNetworkPeer()) {
      assertThat(served.getAttributes().get(PEER_ADDRESS)).isEqualTo("127.0.0.1");
      assertThat(served.getAttributes().get(PEER_PORT)).isPositive();
      assertThat(client.getAttributes().get(PEER_ADDRESS)).isEqualTo("127.0.0.1");
      assertThat(client.getAttributes().get(PEER_PORT)).isEqualTo(serverPort(server));
    }

    // the metadata the server received: this format's header, carrying the client span
    Map<String, String> seen = service.seen.get(request);
    assertThat(seen).containsKey(header);
    assertThat(String.join(" ", seen.values())).contains(client.getTraceId().substring(16));

    // a log line written inside the handler carries the server span's ids
    assertThat(Recorder.logLines(l -> ("handling Get " + request).equals(l.get("message"))))
        .singleElement()
        .satisfies(l -> {
          assertThat(l.get("trace.id")).isEqualTo(served.getTraceId());
          assertThat(l.get("span.id")).isEqualTo(served.getSpanId());
        });

    // RED timers per method and status code, each with this trace as exemplar
    Timer serverTimer = orders.timer("rpc.server.duration",
        "rpc.system", "grpc", "rpc.service", "shop.Orders", "rpc.method", "Get", "rpc.grpc.status_code", "0");
    Timer clientTimer = gateway.timer("rpc.client.duration",
        "rpc.system", "grpc", "rpc.service", "shop.Orders", "rpc.method", "Get", "rpc.grpc.status_code", "0");
    assertThat(serverTimer.count()).isEqualTo(1);
    assertThat(clientTimer.count()).isEqualTo(1);
    // (not compared with each other: in-process, the client's close may run inside the server's)
    assertThat(serverTimer.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(clientTimer.totalTime(TimeUnit.NANOSECONDS)).isPositive();
    assertThat(orders.obs.meterRegistry().scrape(PrometheusScrape.OPENMETRICS))
        .containsPattern("rpc_server_duration_seconds_bucket\\{.*rpc_method=\"Get\".*\\} 1 # \\{span_id=\""
            + served.getSpanId() + "\",trace_id=\"" + served.getTraceId() + "\"\\}");
    assertThat(gateway.obs.meterRegistry().scrape(PrometheusScrape.OPENMETRICS))
        .contains("trace_id=\"" + client.getTraceId() + "\"");
  }

  @Test
  void serverStreaming_spansLastUntilTheStreamCloses_withMessageEvents() throws Exception {
    restart("tracecontext,baggage,jaeger", true);
    String request = unique("list");
    List<String> received = new ArrayList<>();
    long started = System.nanoTime();
    Iterator<String> stream = ClientCalls.blockingServerStreamingCall(traced, Orders.LIST, CallOptions.DEFAULT, request);
    stream.forEachRemaining(received::add);
    long elapsed = System.nanoTime() - started;
    assertThat(received).containsExactly(request + " 1", request + " 2", request + " 3");

    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    assertThat(client.getName()).isEqualTo("shop.Orders/List");
    assertThat(served.getParentSpanId()).isEqualTo(client.getSpanId());
    long serverNanos = served.getEndEpochNanos() - served.getStartEpochNanos();
    long clientNanos = client.getEndEpochNanos() - client.getStartEpochNanos();
    assertThat(serverNanos).as("three messages 50 ms apart").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
    assertThat(clientNanos).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150)).isLessThanOrEqualTo(elapsed);
    assertThat(client.getEvents()).extracting(EventData::getName).containsOnly("rpc.message");
    assertThat(client.getEvents()).extracting(e -> e.getAttributes().get(AttributeKey.stringKey("rpc.message.type")))
        .containsExactly("SENT", "RECEIVED", "RECEIVED", "RECEIVED");
    assertThat(client.getEvents()).extracting(e -> e.getAttributes().get(AttributeKey.longKey("rpc.message.id")))
        .containsExactly(1L, 1L, 2L, 3L);
    assertThat(orders.timer("rpc.server.duration", "rpc.method", "List", "rpc.grpc.status_code", "0").count())
        .isEqualTo(1);
    assertThat(Recorder.logLines(l -> ("handling List " + request).equals(l.get("message"))))
        .singleElement()
        .satisfies(l -> assertThat(l.get("trace.id")).isEqualTo(served.getTraceId()));
  }

  @Test
  void notFound_failsTheClientSpanOnly() throws Exception {
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(traced, Orders.GET, CallOptions.DEFAULT, unique("missing")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    assertThat(client.getAttributes().get(STATUS_CODE)).isEqualTo(5L);
    assertThat(served.getAttributes().get(STATUS_CODE)).isEqualTo(5L);
    assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("NOT_FOUND");
    assertThat(served.getStatus().getStatusCode()).as("the caller's mistake, not the server's").isEqualTo(StatusCode.UNSET);
    assertThat(served.getAttributes().get(ERROR_TYPE)).isNull();
    assertThat(orders.timer("rpc.server.duration", "rpc.method", "Get", "rpc.grpc.status_code", "5").count()).isEqualTo(1);
    assertThat(Recorder.logLines(l -> served.getTraceId().equals(l.get("trace.id")) && "ERROR".equals(l.get("log.level"))))
        .isEmpty();
  }

  @Test
  void internal_failsBothSpans_andLogsAnErrorLineWithTheTraceId() throws Exception {
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(traced, Orders.GET, CallOptions.DEFAULT, unique("internal")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    for (SpanData span : List.of(client, served)) {
      assertThat(span.getAttributes().get(STATUS_CODE)).isEqualTo(13L);
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo("INTERNAL");
    }
    assertThat(Recorder.logLines(l -> served.getTraceId().equals(l.get("trace.id")) && "ERROR".equals(l.get("log.level"))))
        .singleElement()
        .satisfies(l -> assertThat((String) l.get("message"))
            .contains("shop.Orders/Get answered INTERNAL (database down)").contains(served.getTraceId()));
  }

  @Test
  void applicationException_isUnknown_withTheExceptionOnTheServerSpan() throws Exception {
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(traced, Orders.GET, CallOptions.DEFAULT, unique("boom")))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    assertThat(served.getAttributes().get(STATUS_CODE)).isEqualTo(2L);
    assertThat(served.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(served.getAttributes().get(ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
    assertThat(served.getEvents()).extracting(EventData::getName).contains("exception");
    assertThat(client.getAttributes().get(STATUS_CODE)).isEqualTo(2L);
    assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("UNKNOWN");
    assertThat(orders.timer("rpc.server.duration", "rpc.method", "Get", "rpc.grpc.status_code", "2").count()).isEqualTo(1);
  }

  @Test
  void deadlineExceeded_failsBothSpans() throws Exception {
    String request = unique("slow");
    gateway.obs.inSpan("checkout", () -> {
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
              traced, Orders.GET, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), request))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      return null;
    });
    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    assertThat(served.getParentSpanId()).isEqualTo(client.getSpanId());
    for (SpanData span : List.of(client, served)) {
      assertThat(span.getAttributes().get(STATUS_CODE)).isEqualTo(4L);
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo("DEADLINE_EXCEEDED");
    }
    assertThat(client.getEndEpochNanos() - client.getStartEpochNanos())
        .isBetween(TimeUnit.MILLISECONDS.toNanos(250), TimeUnit.SECONDS.toNanos(5));
    assertThat(gateway.timer("rpc.client.duration", "rpc.method", "Get", "rpc.grpc.status_code", "4").count()).isEqualTo(1);
    assertThat(orders.timer("rpc.server.duration", "rpc.method", "Get", "rpc.grpc.status_code", "4").count()).isEqualTo(1);
  }

  @Test
  void cancelledByTheClient_failsTheClientSpanOnly() throws Exception {
    String request = unique("slow");
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<String, String> call = traced.newCall(Orders.GET, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<String>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, new Metadata());
    call.sendMessage(request);
    call.halfClose();
    call.request(1);
    CountDownLatch started = service.slowStarted;
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    call.cancel("the user went away", null);
    assertThat(closed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);

    SpanData client = gateway.only(SpanKind.CLIENT);
    SpanData served = orders.only(SpanKind.SERVER);
    assertThat(served.getParentSpanId()).isEqualTo(client.getSpanId());
    assertThat(client.getAttributes().get(STATUS_CODE)).isEqualTo(1L);
    assertThat(client.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(client.getAttributes().get(ERROR_TYPE)).isEqualTo("CANCELLED");
    assertThat(served.getAttributes().get(STATUS_CODE)).isEqualTo(1L);
    assertThat(served.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(orders.timer("rpc.server.duration", "rpc.method", "Get", "rpc.grpc.status_code", "1").count()).isEqualTo(1);
  }

  @Test
  void callOutsideAnySpan_startsATrace_andTheServerContinuesIt() throws Exception {
    ClientCalls.blockingUnaryCall(traced, Orders.GET, CallOptions.DEFAULT, unique("1"));
    SpanData client = gateway.only(SpanKind.CLIENT);
    assertThat(client.getParentSpanContext().isValid()).isFalse();
    assertThat(orders.only(SpanKind.SERVER).getParentSpanId()).isEqualTo(client.getSpanId());
  }
}
