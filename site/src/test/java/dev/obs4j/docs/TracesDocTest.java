/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import dev.obs4j.trace.HeaderGetter;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** traces.adoc: exporters, samplers, propagation, business context, @WithSpan and inSpan. */
class TracesDocTest {
  private static final String TRACE_W3C = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACE_JAEGER = "5bf92f3577b34da6a3ce929d0e0e4736";
  private static final String TRACE_B3 = "6bf92f3577b34da6a3ce929d0e0e4736";

  /** Both exporters at once: the Jaeger agent protocol over UDP, and OTLP over HTTP to a collector. */
  @Test
  void jaegerAndOtlpExportersReceiveTheSpans() throws Exception {
    HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    List<String> paths = new CopyOnWriteArrayList<>();
    List<String> contentTypes = new CopyOnWriteArrayList<>();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    collector.createContext("/", exchange -> {
      paths.add(exchange.getRequestURI().getPath());
      contentTypes.add(exchange.getRequestHeaders().getFirst("Content-Type"));
      byte[] body = exchange.getRequestBody().readAllBytes();
      synchronized (received) {
        received.write(body);
      }
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    collector.start();
    String collectorUrl = "http://127.0.0.1:" + collector.getAddress().getPort();
    try (DatagramSocket agent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      agent.setSoTimeout(10_000);
      String agentHost = "127.0.0.1";
      int agentPort = agent.getLocalPort();
      // tag::exporters[]
      Obs obs = Obs.builder()
          .serviceName("orders")
          .tracesExporter("jaeger", "otlp")    // each with its own bounded queue
          .jaegerAgent(agentHost, agentPort)   // default localhost:6831
          .otlpEndpoint(collectorUrl)          // e.g. http://collector:4318
          // end::exporters[]
          .shutdownHook(false)
          .set("OBS4J_METRICS_JVM", "false")
          .set("OBS4J_REGISTER_GLOBAL", "false")
          // tag::exporters[]
          .build();
      // end::exporters[]
      obs.runInSpan("load order", () -> {});
      obs.close(); // flushes both queues
      DatagramPacket datagram = new DatagramPacket(new byte[65_535], 65_535);
      agent.receive(datagram);
      String thrift = new String(datagram.getData(), 0, datagram.getLength(), StandardCharsets.ISO_8859_1);
      assertThat(thrift).contains("emitBatch").contains("load order").contains("orders");
      String scrape = Docs.scrape(obs);
      assertThat(scrape)
          .contains("obs4j_spans_exported_total{exporter=\"jaeger\",service=\"orders\"} 1.0")
          .contains("obs4j_spans_exported_total{exporter=\"otlp\",service=\"orders\"} 1.0")
          .contains("obs4j_jaeger_datagrams_total{outcome=\"sent\",service=\"orders\"} 1.0");
    } finally {
      collector.stop(0);
    }
    assertThat(paths).containsExactly("/v1/traces");
    assertThat(contentTypes).containsExactly("application/x-protobuf");
    assertThat(received.toString(StandardCharsets.ISO_8859_1)).contains("load order").contains("orders");
  }

  @Test
  void aRatioSamplerKeepsAboutThatShare_andTheCallersDecisionWins() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    // tag::sampler[]
    Obs obs = Obs.builder()
        .serviceName("orders")
        .sampler("parentbased_traceidratio", "0.25")   // 1 new trace in 4
        // end::sampler[]
        .set("OTEL_TRACES_EXPORTER", "none")
        .set("OBS4J_METRICS_JVM", "false")
        .set("OBS4J_REGISTER_GLOBAL", "false")
        .shutdownHook(false)
        .addSpanProcessor(Docs.processor(spans))
        // tag::sampler[]
        .build();
    // end::sampler[]
    try (obs) {
      for (int i = 0; i < 400; i++) {
        obs.runInSpan("new trace", () -> {});
      }
      assertThat(spans.getFinishedSpanItems()).as("about 100 of 400").hasSizeBetween(50, 160);
      spans.reset();
      Context sampledByCaller = obs.extract(Map.of("traceparent", "00-" + TRACE_W3C + "-00f067aa0ba902b7-01"));
      try (Scope ignored = sampledByCaller.makeCurrent()) {
        for (int i = 0; i < 20; i++) {
          obs.runInSpan("child of a sampled caller", () -> {});
        }
      }
      assertThat(spans.getFinishedSpanItems()).as("every one: the parent decided").hasSize(20);
    }
  }

  @Test
  void injectWritesTheConfiguredFormats_extractReadsThemAllWithAFixedPrecedence() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      Map<String, String> incoming = new LinkedHashMap<>();
      incoming.put("traceparent", "00-" + TRACE_W3C + "-00f067aa0ba902b7-01");
      incoming.put("uber-trace-id", TRACE_JAEGER + ":00f067aa0ba902b8:0:1");
      incoming.put("b3", TRACE_B3 + "-00f067aa0ba902b9-1");
      incoming.put("baggage", "user.id=alice");
      incoming.put("uberctx-user.id", "mallory");
      incoming.put("uberctx-tenant.id", "acme");
      Map<String, String> outgoing = new HashMap<>();
      // tag::inject-extract[]
      Context parent = obs.propagation().extract(incoming);   // the caller's context
      // end::inject-extract[]
      Span span = obs.tracer().spanBuilder("call billing").setParent(parent).startSpan();
      Scope scope = parent.with(span).makeCurrent();
      // tag::inject-extract[]
      obs.propagation().inject(outgoing);                     // the current context
      // end::inject-extract[]
      scope.close();
      span.end();
      assertThat(Span.fromContext(parent).getSpanContext().getTraceId())
          .as("traceparent first")
          .isEqualTo(TRACE_W3C);
      Baggage baggage = Baggage.fromContext(parent);
      assertThat(baggage.getEntryValue("user.id")).as("W3C baggage wins a key both carry").isEqualTo("alice");
      assertThat(baggage.getEntryValue("tenant.id")).as("Jaeger baggage is kept").isEqualTo("acme");
      SpanContext sent = span.getSpanContext();
      assertThat(outgoing.get("traceparent")).isEqualTo("00-" + TRACE_W3C + "-" + sent.getSpanId() + "-01");
      assertThat(outgoing.get("uber-trace-id")).startsWith(TRACE_W3C + ":" + sent.getSpanId() + ":");
      assertThat(outgoing).containsKeys("baggage", "uberctx-user.id", "uberctx-tenant.id").doesNotContainKey("b3");

      incoming.remove("traceparent");
      assertThat(Span.fromContext(obs.extract(incoming)).getSpanContext().getTraceId())
          .as("then uber-trace-id")
          .isEqualTo(TRACE_JAEGER);
      incoming.remove("uber-trace-id");
      assertThat(Span.fromContext(obs.extract(incoming)).getSpanContext().getTraceId())
          .as("then B3")
          .isEqualTo(TRACE_B3);
    }
  }

  /** A carrier of the application's own, such as a message of an in-house protocol. */
  static final class Message {
    final Map<String, String> headers = new LinkedHashMap<>();

    String header(String name) {
      return headers.get(name);
    }

    Iterable<String> headerNames() {
      return headers.keySet();
    }

    void setHeader(String name, String value) {
      headers.put(name, value);
    }
  }

  @Test
  void anyCarrierThroughHeaderGetterAndHeaderSetter() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      Message message = new Message();
      message.setHeader("Uber-Trace-Id", TRACE_JAEGER + ":00f067aa0ba902b8:0:1");
      message.setHeader("uberctx-tenant.id", "acme");
      Message reply = new Message();
      // tag::carrier[]
      HeaderGetter<Message> getter = HeaderGetter.of(Message::header, Message::headerNames);
      Context parent = obs.propagation().extract(message, getter);
      obs.propagation().inject(parent, reply, Message::setHeader);
      // end::carrier[]
      assertThat(Span.fromContext(parent).getSpanContext().getTraceId())
          .as("found in the carrier's own spelling")
          .isEqualTo(TRACE_JAEGER);
      assertThat(Baggage.fromContext(parent).getEntryValue("tenant.id"))
          .as("uberctx-* found through the names")
          .isEqualTo("acme");
      assertThat(reply.headers.get("traceparent")).contains(TRACE_JAEGER);
    }
  }

  // tag::with-span[]
  public interface Payments {
    @WithSpan("charge card")
    String charge(@SpanAttribute("order.id") String orderId,
                  @SpanAttribute("amount.cents") long cents);

    @WithSpan // named after the implementing class and method: CardPayments.refund
    CompletionStage<String> refund(String orderId);
  }
  // end::with-span[]

  static final class CardPayments implements Payments {
    final CompletableFuture<String> refunded = new CompletableFuture<>();

    @Override
    public String charge(String orderId, long cents) {
      if (cents <= 0) {
        throw new IllegalArgumentException("nothing to charge");
      }
      return "receipt " + orderId;
    }

    @Override
    public CompletionStage<String> refund(String orderId) {
      return refunded;
    }
  }

  @Test
  void withSpanAndInSpan() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      CardPayments card = new CardPayments();
      // tag::traced[]
      Payments payments = obs.traced(Payments.class, card);   // a traced proxy
      // end::traced[]
      assertThat(payments.charge("17", 1250)).isEqualTo("receipt 17");
      SpanData charge = Docs.span(spans, "charge card");
      assertThat(charge.getAttributes().get(AttributeKey.stringKey("order.id"))).isEqualTo("17");
      assertThat(charge.getAttributes().get(AttributeKey.longKey("amount.cents"))).isEqualTo(1250L);
      assertThatThrownBy(() -> payments.charge("18", 0)).isInstanceOf(IllegalArgumentException.class);
      SpanData failed = spans.getFinishedSpanItems().get(1);
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("java.lang.IllegalArgumentException");
      assertThat(failed.getEvents()).extracting(e -> e.getName()).containsExactly("exception");

      CompletionStage<String> refund = payments.refund("17");
      assertThat(spans.getFinishedSpanItems()).as("open until the stage completes").hasSize(2);
      card.refunded.complete("refunded");
      assertThat(Docs.span(spans, "CardPayments.refund").getKind()).isEqualTo(SpanKind.INTERNAL);
      assertThat(refund.toCompletableFuture().get()).isEqualTo("refunded");

      spans.reset();
      List<String> sent = new ArrayList<>();
      // tag::in-span[]
      String receipt = obs.inSpan("checkout", () -> payments.charge("19", 990));
      obs.runInSpan("send receipt", () -> sent.add(receipt));
      // end::in-span[]
      assertThat(sent).containsExactly("receipt 19");
      SpanData outer = Docs.span(spans, "checkout");
      assertThat(Docs.span(spans, "charge card").getParentSpanId())
          .as("the @WithSpan method runs in a child span")
          .isEqualTo(outer.getSpanId());
      assertThat(Docs.span(spans, "send receipt").getTraceId()).isNotEqualTo(outer.getTraceId());
      assertThatThrownBy(() -> obs.inSpan("read file", () -> {
        throw new IOException("disk gone");
      })).isInstanceOf(IOException.class); // checked exceptions pass through unchanged
      assertThat(Docs.span(spans, "read file").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }
  }

  /**
   * An edge service that takes the user from its own authentication, not from a client's baggage, and sends
   * it only to its own services; an internal service that takes it from the edge.
   */
  @Test
  void businessFieldsAreTakenFromTrustedCallersAndSentToListedHosts() throws Exception {
    InMemorySpanExporter edgeSpans = InMemorySpanExporter.create();
    InMemorySpanExporter internalSpans = InMemorySpanExporter.create();
    AtomicReference<String> userSeenInside = new AtomicReference<>();
    List<String> baggageSeenOutside = new CopyOnWriteArrayList<>();
    HttpServer internal = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpServer thirdParty = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    HttpServer gateway = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // tag::edge[]
    Obs edge = Obs.builder()
        .serviceName("gateway")
        .set("OBS4J_CONTEXT_ACCEPT_INBOUND", "false")   // clients cannot set user.id
        .set("OBS4J_CONTEXT_PROPAGATE_HOSTS", "localhost,.svc.cluster.local")
        // end::edge[]
        .set("OTEL_TRACES_EXPORTER", "none")
        .set("OBS4J_METRICS_JVM", "false")
        .set("OBS4J_REGISTER_GLOBAL", "false")
        .shutdownHook(false)
        .addSpanProcessor(Docs.processor(edgeSpans))
        // tag::edge[]
        .build();
    // end::edge[]
    try (Obs orders = Docs.builder("orders", internalSpans).build(); edge) {
      internal.createContext("/orders", exchange -> {
        userSeenInside.set(ObsContext.userId());
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(ObsHttp.create(orders)));
      thirdParty.createContext("/", exchange -> {
        String baggage = exchange.getRequestHeaders().getFirst("baggage");
        baggageSeenOutside.add(baggage == null ? "" : baggage);
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      });
      ObsHttp edgeHttp = ObsHttp.create(edge);
      HttpClient client = ObsHttpClient.wrap(edgeHttp, HttpClient.newHttpClient());
      String internalUrl = "http://localhost:" + internal.getAddress().getPort() + "/orders";
      String outsideUrl = "http://127.0.0.1:" + thirdParty.getAddress().getPort() + "/track";
      gateway.createContext("/checkout", exchange -> {
        String user = exchange.getRequestHeaders().getFirst("X-Authenticated-User"); // the edge's own auth
        if (user != null) {
          // tag::set-user[]
          ObsContext.setUserId(user);   // enduser.id on the span, user.id downstream
          // end::set-user[]
        }
        try {
          client.send(HttpRequest.newBuilder(URI.create(internalUrl)).build(), HttpResponse.BodyHandlers.discarding());
          client.send(HttpRequest.newBuilder(URI.create(outsideUrl)).build(), HttpResponse.BodyHandlers.discarding());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.sendResponseHeaders(204, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(edgeHttp));
      internal.start();
      thirdParty.start();
      gateway.start();
      String checkout = "http://127.0.0.1:" + gateway.getAddress().getPort() + "/checkout";

      Docs.get(checkout, Map.of("X-Authenticated-User", "alice"));
      assertThat(userSeenInside.get()).as("the internal service gets the user").isEqualTo("alice");
      assertThat(Docs.await(edgeSpans, "GET /checkout").getAttributes().get(AttributeKey.stringKey("enduser.id")))
          .isEqualTo("alice");
      assertThat(Docs.await(internalSpans, "GET /orders").getAttributes().get(AttributeKey.stringKey("enduser.id")))
          .isEqualTo("alice");
      assertThat(baggageSeenOutside).hasSize(1);
      assertThat(baggageSeenOutside.get(0)).as("not sent to a host off the list").doesNotContain("user.id");

      edgeSpans.reset();
      internalSpans.reset();
      Docs.get(checkout, Map.of("baggage", "user.id=mallory"));
      assertThat(userSeenInside.get()).as("a client's user.id is dropped at the edge").isNull();
      assertThat(Docs.await(edgeSpans, "GET /checkout").getAttributes().get(AttributeKey.stringKey("enduser.id")))
          .isNull();
    } finally {
      gateway.stop(0);
      internal.stop(0);
      thirdParty.stop(0);
    }
  }
}
