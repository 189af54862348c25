/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.internal.BoundedSpanProcessor;
import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Jaeger UDP exporter on its own or under its processor, against a real loopback agent: what it counts
 * when part of a batch fails, how it shortens spans too large for a datagram, and how it follows an agent
 * whose address changes.
 */
class JaegerExporterTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final SelfMetrics metrics = new SelfMetrics(registry);

  private JaegerUdpSpanExporter exporter(UdpAgent agent, int maxDatagram) {
    return new JaegerUdpSpanExporter(
        "127.0.0.1",
        agent.port(),
        Resource.getDefault(),
        metrics,
        maxDatagram,
        InetAddress::getByName,
        JaegerUdpSpanExporter.RESOLVE_INTERVAL);
  }

  /** Ends one span per body, in order, through the SDK, and returns their data. */
  @SafeVarargs
  private static List<SpanData> spans(Consumer<io.opentelemetry.api.trace.Span>... bodies) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      Tracer tracer = provider.get("test");
      int i = 0;
      for (Consumer<io.opentelemetry.api.trace.Span> body : bodies) {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("span-" + i++).startSpan();
        body.accept(span);
        span.end();
      }
      return memory.getFinishedSpanItems();
    }
  }

  private static Map<String, Tag> tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(Tag::getKey, Function.identity(), (a, b) -> b));
  }

  private double count(String name, String... tags) {
    Counter counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void partialDatagramFailure_sentSpansCountExported_failedDatagramSpansDroppedAsSendFailed() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      // With room for 100,000 bytes, the first span goes alone in a datagram that UDP refuses (over 65,507
      // bytes); the other two share one that goes out.
      JaegerUdpSpanExporter exporter = exporter(agent, 100_000);
      BoundedSpanProcessor processor =
          new BoundedSpanProcessor(
              "jaeger", exporter, metrics, 100, 10, Duration.ofMinutes(1), Duration.ofSeconds(5));
      try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(processor).build()) {
        Tracer tracer = provider.get("test");
        tracer.spanBuilder("refused").setAttribute("payload", "r".repeat(70_000)).startSpan().end();
        tracer.spanBuilder("sent-big").setAttribute("payload", "s".repeat(40_000)).startSpan().end();
        tracer.spanBuilder("sent-small").startSpan().end();

        assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isFalse();
        assertThat(agent.awaitSpans(2, 5, TimeUnit.SECONDS))
            .extracting(Span::getOperationName)
            .containsExactly("sent-big", "sent-small");
        assertThat(count("obs4j.jaeger.datagrams", "outcome", "failed")).isEqualTo(1);
        assertThat(count("obs4j.jaeger.datagrams", "outcome", "sent")).isEqualTo(1);
        assertThat(count("obs4j.spans.exported", "exporter", "jaeger")).isEqualTo(2);
        assertThat(count("obs4j.spans.dropped", "exporter", "jaeger", "reason", "send_failed")).isEqualTo(1);
        assertThat(count("obs4j.spans.dropped", "exporter", "jaeger", "reason", "too_large")).isZero();
        assertThat(count("obs4j.spans.ended", "exporter", "jaeger")).isEqualTo(3);
        assertThat(registry.get("obs4j.export.queue.size").gauge().value()).isZero();

        // the socket is connected afresh after the failure
        tracer.spanBuilder("later").startSpan().end();
        assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();
        assertThat(agent.awaitSpans(3, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).contains("later");
      }
    }
  }

  @Test
  void exportCounting_spanThatCannotBeEncoded_countedAsEncodeFailed_othersSent() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      JaegerUdpSpanExporter exporter = exporter(agent, JaegerUdpSpanExporter.MAX_DATAGRAM);
      List<SpanData> spans = spans(s -> {}, s -> {});
      SpanData broken =
          new DelegatingSpanData(spans.get(0)) {
            @Override
            public Attributes getAttributes() {
              throw new IllegalStateException("attributes unreadable");
            }
          };

      Map<String, Integer> drops = exporter.exportCounting(List.of(broken, spans.get(1)));

      assertThat(drops).containsExactly(Map.entry(SelfMetrics.DROP_ENCODE_FAILED, 1));
      assertThat(agent.awaitSpans(1, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).containsExactly("span-1");
      assertThat(exporter.export(List.of(broken)).isSuccess()).isFalse();
    }
  }

  @Test
  void exportCounting_spanOverDatagram_stackTraceShortenedFirst_otherValuesKept() throws Exception {
    String note = "n".repeat(1_500);
    String stackTrace = "java.lang.IllegalStateException: boom\n" + "\tat example.Deep.call(Deep.java:1)\n".repeat(200);
    try (UdpAgent agent = new UdpAgent()) {
      JaegerUdpSpanExporter exporter = exporter(agent, 4_000);
      List<SpanData> spans =
          spans(
              s -> {
                s.setAttribute("note", note);
                s.addEvent("exception", Attributes.builder().put("exception.stacktrace", stackTrace).build());
              });

      assertThat(exporter.exportCounting(spans)).isEmpty();

      List<Span> received = agent.awaitSpans(1, 5, TimeUnit.SECONDS);
      assertThat(agent.datagrams()).singleElement().satisfies(d -> assertThat(d.length).isLessThanOrEqualTo(4_000));
      Map<String, Tag> tags = tags(received.get(0).getTags());
      assertThat(tags.get("note").getVStr()).isEqualTo(note);
      assertThat(tags.get("otel.obs4j.truncated").isVBool()).isTrue();
      String shortened = tags(received.get(0).getLogs().get(0).getFields()).get("exception.stacktrace").getVStr();
      assertThat(shortened).endsWith("... [truncated by obs4j]").hasSizeLessThan(stackTrace.length());
      assertThat(stackTrace).startsWith(shortened.substring(0, shortened.length() - "... [truncated by obs4j]".length()));
      assertThat(count("obs4j.jaeger.spans.truncated")).isEqualTo(1);
    }
  }

  @Test
  void exportCounting_stackTraceAloneNotEnough_nextLongestValueShortenedToo() throws Exception {
    String note = "n".repeat(6_000);
    String stackTrace = "\tat example.Deep.call(Deep.java:1)\n".repeat(170);
    try (UdpAgent agent = new UdpAgent()) {
      JaegerUdpSpanExporter exporter = exporter(agent, 4_000);
      List<SpanData> spans =
          spans(
              s -> {
                s.setAttribute("note", note);
                s.setAttribute("short", "kept");
                s.addEvent("exception", Attributes.builder().put("exception.stacktrace", stackTrace).build());
              });

      assertThat(exporter.exportCounting(spans)).isEmpty();

      Span received = agent.awaitSpans(1, 5, TimeUnit.SECONDS).get(0);
      Map<String, Tag> tags = tags(received.getTags());
      assertThat(tags.get("short").getVStr()).isEqualTo("kept");
      assertThat(tags.get("note").getVStr()).endsWith("... [truncated by obs4j]").hasSizeLessThan(4_000);
      assertThat(tags(received.getLogs().get(0).getFields()).get("exception.stacktrace").getVStr())
          .hasSize(128 + "... [truncated by obs4j]".length());
    }
  }

  @Test
  void exportCounting_tooLargeEvenShortened_droppedAsTooLarge() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      JaegerUdpSpanExporter exporter = exporter(agent, 2_000);
      List<SpanData> spans =
          spans(
              s -> {
                for (int i = 0; i < 100; i++) {
                  s.setAttribute("attribute." + i, "v".repeat(40)); // many values, none long
                }
              },
              s -> {});

      assertThat(exporter.exportCounting(spans)).containsExactly(Map.entry(SelfMetrics.DROP_TOO_LARGE, 1));
      assertThat(agent.awaitSpans(1, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).containsExactly("span-1");
      assertThat(count("obs4j.jaeger.spans.truncated")).isZero();
    }
  }

  @Test
  void agentAddressChanges_spansGoToTheNewAddressAfterTheResolveInterval() throws Exception {
    InetAddress first = InetAddress.getByName("127.0.0.1");
    InetAddress second = InetAddress.getByName("127.0.0.2");
    AtomicReference<InetAddress> dns = new AtomicReference<>(first);
    try (UdpAgent before = new UdpAgent(first, 0);
        UdpAgent after = new UdpAgent(second, before.port())) {
      JaegerUdpSpanExporter exporter =
          new JaegerUdpSpanExporter(
              "jaeger-agent.example",
              before.port(),
              Resource.getDefault(),
              metrics,
              JaegerUdpSpanExporter.MAX_DATAGRAM,
              host -> {
                InetAddress address = dns.get();
                if (address == null) {
                  throw new UnknownHostException(host);
                }
                return address;
              },
              Duration.ofMillis(100));

      assertThat(exporter.exportCounting(spans(s -> s.updateName("one")))).isEmpty();
      assertThat(before.awaitSpans(1, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).containsExactly("one");

      dns.set(second); // the agent moved
      Thread.sleep(150);
      assertThat(exporter.exportCounting(spans(s -> s.updateName("two")))).isEmpty();
      assertThat(after.awaitSpans(1, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).containsExactly("two");

      dns.set(null); // the name stops resolving: keep the last address
      Thread.sleep(150);
      assertThat(exporter.exportCounting(spans(s -> s.updateName("three")))).isEmpty();
      assertThat(after.awaitSpans(2, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).containsExactly("two", "three");
      assertThat(before.spans()).extracting(Span::getOperationName).containsExactly("one");
      exporter.shutdown();
    }
  }

  @Test
  void exportCounting_afterShutdown_allDroppedAsShutdown() {
    JaegerUdpSpanExporter exporter =
        new JaegerUdpSpanExporter("127.0.0.1", 6831, Resource.getDefault(), metrics);
    exporter.shutdown();
    assertThat(exporter.exportCounting(spans(s -> {}, s -> {})))
        .containsExactly(Map.entry(SelfMetrics.DROP_SHUTDOWN, 2));
  }
}
