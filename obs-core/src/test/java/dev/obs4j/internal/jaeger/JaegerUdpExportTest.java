/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.SpanRefType;
import io.jaegertracing.thriftjava.Tag;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import java.net.DatagramSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Spans made through Obs, received on a real loopback UDP socket and decoded as a Jaeger agent would. */
class JaegerUdpExportTest {

  private static Obs.Builder jaeger(UdpAgent agent) {
    return TestObs.builder("checkout")
        .tracesExporter("jaeger")
        .jaegerAgent("127.0.0.1", agent.port())
        .resourceAttribute("deployment.environment.name", "test");
  }

  private static Map<String, Tag> tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(t -> t.getKey(), Function.identity(), (a, b) -> b));
  }

  @Test
  void roundTrip_decodesServiceOperationsParentsTagsAndErrors() throws Exception {
    String traceId;
    String serverSpanId;
    try (UdpAgent agent = new UdpAgent()) {
      try (Obs obs = jaeger(agent).build()) {
        io.opentelemetry.api.trace.Span server =
            obs.tracer()
                .spanBuilder("GET /orders/{id}")
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.route", "/orders/{id}")
                .setAttribute("http.response.status_code", 200L)
                .startSpan();
        traceId = server.getSpanContext().getTraceId();
        serverSpanId = server.getSpanContext().getSpanId();
        try (Scope ignored = server.makeCurrent()) {
          obs.inSpan("SELECT orders", SpanKind.CLIENT, () -> 42);
          try {
            obs.runInSpan(
                "charge",
                () -> {
                  throw new IllegalStateException("card declined");
                });
          } catch (IllegalStateException expected) {
            // recorded on the span
          }
        } finally {
          server.end();
        }
      } // close() flushes

      List<Span> spans = agent.awaitSpans(3, 5, TimeUnit.SECONDS);
      assertThat(spans).hasSize(3);
      Batch batch = agent.batches().get(0);
      assertThat(batch.getProcess().getServiceName()).isEqualTo("checkout");
      Map<String, Tag> process = tags(batch.getProcess().getTags());
      assertThat(process.get("jaeger.version").getVStr()).startsWith("obs4j-Java-");
      assertThat(process).containsKeys("hostname", "ip", "telemetry.sdk.language");
      assertThat(process.get("deployment.environment.name").getVStr()).isEqualTo("test");

      Map<String, Span> byName =
          spans.stream().collect(Collectors.toMap(Span::getOperationName, Function.identity()));
      assertThat(byName).containsOnlyKeys("GET /orders/{id}", "SELECT orders", "charge");
      long high = Long.parseUnsignedLong(traceId.substring(0, 16), 16);
      long low = Long.parseUnsignedLong(traceId.substring(16), 16);
      long serverId = Long.parseUnsignedLong(serverSpanId, 16);

      Span server = byName.get("GET /orders/{id}");
      assertThat(server.getTraceIdHigh()).isEqualTo(high);
      assertThat(server.getTraceIdLow()).isEqualTo(low);
      assertThat(server.getSpanId()).isEqualTo(serverId);
      assertThat(server.getParentSpanId()).isZero();
      assertThat(server.isSetReferences()).isFalse();
      assertThat(server.getFlags()).isEqualTo(1);
      assertThat(server.getDuration()).isPositive();
      Map<String, Tag> serverTags = tags(server.getTags());
      assertThat(serverTags.get("span.kind").getVStr()).isEqualTo("server");
      assertThat(serverTags.get("http.route").getVStr()).isEqualTo("/orders/{id}");
      assertThat(serverTags.get("http.response.status_code").getVLong()).isEqualTo(200L);
      assertThat(serverTags.get("otel.scope.name").getVStr()).isEqualTo("dev.obs4j");
      assertThat(serverTags).doesNotContainKey("error");

      for (String child : List.of("SELECT orders", "charge")) {
        Span span = byName.get(child);
        assertThat(span.getTraceIdLow()).isEqualTo(low);
        assertThat(span.getParentSpanId()).isEqualTo(serverId);
        assertThat(span.getReferences()).hasSize(1);
        assertThat(span.getReferences().get(0).getRefType()).isEqualTo(SpanRefType.CHILD_OF);
        assertThat(span.getReferences().get(0).getSpanId()).isEqualTo(serverId);
        assertThat(span.getReferences().get(0).getTraceIdHigh()).isEqualTo(high);
      }
      assertThat(tags(byName.get("SELECT orders").getTags()).get("span.kind").getVStr()).isEqualTo("client");

      Span error = byName.get("charge");
      Map<String, Tag> errorTags = tags(error.getTags());
      assertThat(errorTags.get("error").isVBool()).isTrue();
      assertThat(errorTags.get("otel.status_code").getVStr()).isEqualTo("ERROR");
      assertThat(errorTags.get("otel.status_description").getVStr()).isEqualTo("card declined");
      assertThat(errorTags.get("error.type").getVStr()).isEqualTo("java.lang.IllegalStateException");
      assertThat(errorTags).doesNotContainKey("span.kind"); // INTERNAL spans carry none
      assertThat(error.getLogs()).hasSize(1);
      Log event = error.getLogs().get(0);
      Map<String, Tag> fields = tags(event.getFields());
      assertThat(fields.get("event").getVStr()).isEqualTo("exception");
      assertThat(fields.get("exception.type").getVStr()).isEqualTo("java.lang.IllegalStateException");
      assertThat(fields.get("exception.message").getVStr()).isEqualTo("card declined");
      assertThat(fields.get("exception.stacktrace").getVStr()).contains("JaegerUdpExportTest");
    }
  }

  @Test
  void burst_everyLargeSpanArrivesInDatagramsOfAtMost65000Bytes_thenANormalBatchStillArrives()
      throws Exception {
    String kilobyte = "x".repeat(1024);
    try (UdpAgent agent = new UdpAgent();
        Obs obs = jaeger(agent).set("OTEL_BSP_MAX_QUEUE_SIZE", "20000").build()) {
      for (int i = 0; i < 10_000; i++) {
        obs.tracer().spanBuilder("burst-" + i).setAttribute("payload", kilobyte).startSpan().end();
      }
      List<Span> burst = agent.awaitSpans(10_000, 30, TimeUnit.SECONDS);
      assertThat(burst).hasSize(10_000);
      assertThat(burst.stream().map(Span::getOperationName).distinct().count()).isEqualTo(10_000);
      assertThat(agent.datagrams()).allSatisfy(d -> assertThat(d.length).isLessThanOrEqualTo(65_000));
      int datagramsAfterBurst = agent.datagrams().size();
      assertThat(datagramsAfterBurst).isGreaterThan(150); // 10 MB cannot fit in fewer

      for (int i = 0; i < 5; i++) {
        obs.tracer().spanBuilder("after-" + i).startSpan().end();
      }
      List<Span> all = agent.awaitSpans(10_005, 5, TimeUnit.SECONDS);
      assertThat(all).hasSize(10_005);
      assertThat(all.subList(10_000, 10_005))
          .extracting(Span::getOperationName)
          .containsExactlyInAnyOrder("after-0", "after-1", "after-2", "after-3", "after-4");
      assertThat(TestObs.counter(obs, "obs4j.spans.exported", "exporter", "jaeger")).isEqualTo(10_005);
      assertThat(TestObs.counter(obs, "obs4j.jaeger.datagrams", "outcome", "sent"))
          .isEqualTo(agent.datagrams().size());
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped")).isZero();
      assertThat(TestObs.counter(obs, "obs4j.spans.ended", "exporter", "jaeger")).isEqualTo(10_005);
      assertThat(TestObs.spanCountsGap(obs, "jaeger")).isZero();
    }
  }

  @Test
  void oversizedAttribute_isShortenedToFit_countedExported_andLaterSpansStillArrive() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      Obs obs = jaeger(agent).build();
      try (obs) {
        obs.tracer().spanBuilder("small-before").startSpan().end();
        obs.tracer().spanBuilder("huge").setAttribute("payload", "y".repeat(70_000)).startSpan().end();
        obs.tracer().spanBuilder("small-after").startSpan().end();
        List<Span> spans = agent.awaitSpans(3, 5, TimeUnit.SECONDS);
        assertThat(spans)
            .extracting(Span::getOperationName)
            .containsExactlyInAnyOrder("small-before", "huge", "small-after");
        Span huge = spans.stream().filter(s -> s.getOperationName().equals("huge")).findFirst().orElseThrow();
        Map<String, Tag> tags = tags(huge.getTags());
        assertThat(tags.get("payload").getVStr()).startsWith("yyyy").endsWith("... [truncated by obs4j]");
        assertThat(tags.get("otel.obs4j.truncated").isVBool()).isTrue();
        assertThat(agent.datagrams()).allSatisfy(d -> assertThat(d.length).isLessThanOrEqualTo(65_000));
        obs.tracer().spanBuilder("later").startSpan().end();
        assertThat(agent.awaitSpans(4, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).contains("later");
      }
      assertThat(TestObs.counter(obs, "obs4j.spans.exported", "exporter", "jaeger")).isEqualTo(4);
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped")).isZero();
      assertThat(TestObs.counter(obs, "obs4j.jaeger.spans.truncated")).isEqualTo(1);
      assertThat(TestObs.spanCountsGap(obs, "jaeger")).isZero();
    }
  }

  @Test
  void errorSpanWith100KbStackTrace_arrivesWithTheStackTraceShortened_countedExported() throws Exception {
    IllegalStateException deep = new IllegalStateException("payment provider unreachable");
    StackTraceElement[] frames = new StackTraceElement[2_500];
    for (int i = 0; i < frames.length; i++) {
      frames[i] = new StackTraceElement("com.example.payments.Retry", "attempt" + i, "Retry.java", i + 1);
    }
    deep.setStackTrace(frames);
    try (UdpAgent agent = new UdpAgent()) {
      Obs obs = jaeger(agent).build();
      try (obs) {
        try {
          obs.runInSpan(
              "charge",
              () -> {
                throw deep;
              });
        } catch (IllegalStateException expected) {
          // recorded on the span
        }
      }
      List<Span> spans = agent.awaitSpans(1, 5, TimeUnit.SECONDS);
      assertThat(spans).hasSize(1);
      Span charge = spans.get(0);
      assertThat(tags(charge.getTags()).get("error").isVBool()).isTrue();
      assertThat(tags(charge.getTags()).get("otel.obs4j.truncated").isVBool()).isTrue();
      Map<String, Tag> fields = tags(charge.getLogs().get(0).getFields());
      assertThat(fields.get("exception.message").getVStr()).isEqualTo("payment provider unreachable");
      String stackTrace = fields.get("exception.stacktrace").getVStr();
      assertThat(stackTrace)
          .startsWith("java.lang.IllegalStateException: payment provider unreachable\n\tat com.example.payments.Retry.attempt0(Retry.java:1)")
          .endsWith("... [truncated by obs4j]")
          .hasSizeGreaterThan(50_000)
          .hasSizeLessThan(65_000);
      assertThat(TestObs.counter(obs, "obs4j.spans.exported", "exporter", "jaeger")).isEqualTo(1);
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped")).isZero();
      assertThat(TestObs.spanCountsGap(obs, "jaeger")).isZero();
    }
  }

  @Test
  void spanTooLargeEvenShortened_isDroppedAsTooLarge_notCountedExported() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      Obs obs = jaeger(agent).build();
      try (obs) {
        io.opentelemetry.api.trace.Span span = obs.tracer().spanBuilder("crowded").startSpan();
        for (int e = 0; e < 4; e++) {
          var attributes = io.opentelemetry.api.common.Attributes.builder();
          for (int a = 0; a < 128; a++) {
            attributes.put("field." + a, "v".repeat(150)); // 512 values, none long enough to shorten
          }
          span.addEvent("step-" + e, attributes.build());
        }
        span.end();
        obs.tracer().spanBuilder("fine").startSpan().end();
        assertThat(agent.awaitSpans(1, 5, TimeUnit.SECONDS)).extracting(Span::getOperationName).containsExactly("fine");
      }
      assertThat(agent.spans()).extracting(Span::getOperationName).containsExactly("fine");
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped", "exporter", "jaeger", "reason", "too_large"))
          .isEqualTo(1);
      assertThat(TestObs.counter(obs, "obs4j.spans.exported", "exporter", "jaeger")).isEqualTo(1);
      assertThat(TestObs.spanCountsGap(obs, "jaeger")).isZero();
    }
  }

  @Test
  void twoExporters_eachCountsItsOwnEndedSpans_onceEach() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      Obs obs = jaeger(agent).tracesExporter("jaeger", "logging").build();
      try (obs) {
        for (int i = 0; i < 3; i++) {
          obs.tracer().spanBuilder("twice-" + i).startSpan().end();
        }
        agent.awaitSpans(3, 5, TimeUnit.SECONDS);
      }
      for (String exporter : List.of("jaeger", "logging")) {
        assertThat(TestObs.counter(obs, "obs4j.spans.ended", "exporter", exporter)).isEqualTo(3);
        assertThat(TestObs.counter(obs, "obs4j.spans.exported", "exporter", exporter)).isEqualTo(3);
        assertThat(TestObs.spanCountsGap(obs, exporter)).isZero();
      }
      assertThat(obs.meterRegistry().find("obs4j.spans.ended").counters()).hasSize(2);
    }
  }

  @Test
  void exceptionWithoutMessage_noStatusDescriptionTag() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      try (Obs obs = jaeger(agent).build()) {
        try {
          obs.runInSpan(
              "silent",
              () -> {
                throw new IllegalStateException();
              });
        } catch (IllegalStateException expected) {
          // recorded on the span
        }
      }
      Span silent = agent.awaitSpans(1, 5, TimeUnit.SECONDS).get(0);
      Map<String, Tag> tags = tags(silent.getTags());
      assertThat(tags.get("otel.status_code").getVStr()).isEqualTo("ERROR");
      assertThat(tags.get("error").isVBool()).isTrue();
      assertThat(tags).doesNotContainKey("otel.status_description");
    }
  }

  @Test
  void noAgentListening_tracedCodeRuns_andFailedDatagramsAreCounted() throws Exception {
    int closedPort;
    try (DatagramSocket probe = new DatagramSocket(0)) {
      closedPort = probe.getLocalPort();
    }
    try (Obs obs =
        TestObs.builder("lonely")
            .tracesExporter("jaeger")
            .jaegerAgent("127.0.0.1", closedPort)
            .set("OTEL_BSP_MAX_QUEUE_SIZE", "100")
            .build()) {
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 50; i++) {
          assertThat(obs.inSpan("work", () -> 7)).isEqualTo(7);
        }
        Thread.sleep(60);
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (TestObs.counter(obs, "obs4j.jaeger.datagrams", "outcome", "failed") == 0
          && System.nanoTime() < deadline) {
        obs.inSpan("work", () -> 7);
        Thread.sleep(60);
      }
      assertThat(TestObs.counter(obs, "obs4j.jaeger.datagrams", "outcome", "failed")).isPositive();
      assertThat(TestObs.counter(obs, "obs4j.spans.dropped", "exporter", "jaeger", "reason", "send_failed"))
          .isPositive();
      assertThat(obs.meterRegistry().get("obs4j.export.queue.size").gauge().value()).isLessThanOrEqualTo(100);
      obs.close();
      // what went out before the ICMP error came back counts as exported, the rest as dropped: nothing is lost
      assertThat(TestObs.counter(obs, "obs4j.spans.ended", "exporter", "jaeger")).isGreaterThanOrEqualTo(1000);
      assertThat(TestObs.spanCountsGap(obs, "jaeger")).isZero();
    }
  }
}
