/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** A service whose spans land in memory, with helpers for the messaging meters. */
public final class Recorder implements AutoCloseable {
  public final InMemorySpanExporter spans = InMemorySpanExporter.create();
  /** Each span's attributes as they were when it started (what a sampler sees), by span id. */
  public final Map<String, Attributes> atStart = new ConcurrentHashMap<>();
  public final Obs obs;
  public final ObsMessaging messaging;

  public Recorder(String service, boolean link) {
    obs = Obs.builder().serviceName(service).shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
        .addSpanProcessor(new SpanProcessor() {
          @Override
          public void onStart(Context parent, ReadWriteSpan span) {
            atStart.put(span.getSpanContext().getSpanId(), span.toSpanData().getAttributes());
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
        })
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    messaging = ObsMessaging.builder(obs).linkConsumers(link).build();
  }

  public Recorder(String service) {
    this(service, false);
  }

  /** Waits (bounded) for {@code count} spans of {@code kind}; returns them. */
  public List<SpanData> await(SpanKind kind, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<SpanData> found;
    do {
      found = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
      if (found.size() >= count) {
        return found;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected " + count + " " + kind + " spans, got " + found.size() + ": "
        + found.stream().limit(20).map(s -> s.getName() + " " + s.getStatus()).toList());
  }

  public Timer timer(String name, String system, String destination, String outcome) {
    Timer timer = obs.meterRegistry().find(name).tags("messaging.system", system,
        "messaging.destination.name", destination, "outcome", outcome).timer();
    return timer;
  }

  public long count(String name, String system, String destination, String outcome) {
    Timer timer = timer(name, system, destination, outcome);
    return timer == null ? 0 : timer.count();
  }

  /** Sends (publishes) counted in messaging.client.operation.duration with {@code outcome}. */
  public long sends(String system, String destination, String outcome) {
    Timer timer = obs.meterRegistry().find(MessagingHandler.CLIENT_OPERATION_DURATION).tags("messaging.system", system,
        "messaging.destination.name", destination, "messaging.operation.type", "send", "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  /**
   * Operations of {@code type} ({@code send}, {@code receive}, {@code settle}) named {@code name} counted in
   * messaging.client.operation.duration for {@code destination} ("" for none) with {@code outcome}.
   */
  public long operations(String system, String destination, String type, String name, String outcome) {
    Timer timer = obs.meterRegistry().find(MessagingHandler.CLIENT_OPERATION_DURATION).tags("messaging.system", system,
        "messaging.destination.name", destination, "messaging.operation.type", type,
        "messaging.operation.name", name, "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  public double untraced(String system, String destination) {
    Counter counter = obs.meterRegistry().find("messaging.receive.untraced")
        .tags("messaging.system", system, "messaging.destination.name", destination).counter();
    return counter == null ? 0 : counter.count();
  }

  /** The contract every adapter meets: producer span parent of consumer span, in the request's trace. */
  public void assertOneTrace(String destination) throws InterruptedException {
    SpanData producer = await(SpanKind.PRODUCER, 1).get(0);
    SpanData consumer = await(SpanKind.CONSUMER, 1).get(0);
    SpanData request = spans.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals("POST /orders")).findFirst().orElseThrow();
    assertThat(producer.getName()).isEqualTo("publish " + destination);
    assertThat(consumer.getName()).isEqualTo("process " + destination);
    assertThat(producer.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(consumer.getTraceId()).isEqualTo(request.getTraceId());
    assertThat(consumer.getParentSpanId()).isEqualTo(producer.getSpanId());
    assertThat(consumer.getParentSpanContext().isRemote()).isTrue();
  }

  @Override
  public void close() {
    obs.close();
  }
}
