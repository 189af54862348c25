/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.messaging.Recorder;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TracedQueueTest {
  private static final String SYSTEM = TracedQueue.SYSTEM;

  @Test
  void publishInARequest_consumedLate_isOneTrace_withQueueTimeAndCounts() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "orders", new ArrayBlockingQueue<>(10));
      service.obs.inSpan("POST /orders", SpanKind.SERVER, () -> queue.publish("order-1", Duration.ofMillis(100)));
      CompletableFuture<String> handled = new CompletableFuture<>();
      Thread worker = new Thread(() -> {
        try {
          Thread.sleep(500); // the consumer starts late
          queue.consume(Duration.ofSeconds(5), handled::complete);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      worker.start();
      assertThat(handled.get(10, TimeUnit.SECONDS)).isEqualTo("order-1");
      worker.join(5000);

      service.assertOneTrace("orders");
      Timer queueTime = service.timer("messaging.queue.time", SYSTEM, "orders", "success");
      assertThat(queueTime.count()).isEqualTo(1);
      assertThat(queueTime.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(500);
      assertThat(service.sends(SYSTEM, "orders", "success")).isEqualTo(1);
      assertThat(service.sends(SYSTEM, "orders", "failure")).isZero();
      assertThat(service.count("messaging.process.duration", SYSTEM, "orders", "success")).isEqualTo(1);
      SpanData consumer = service.await(SpanKind.CONSUMER, 1).get(0);
      assertThat(consumer.getAttributes().get(AttributeKey.longKey("messaging.queue.time_ms"))).isNull();
      assertThat(consumer.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("orders");
      assertThat(consumer.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo(SYSTEM);
    }
  }

  @Test
  void fullQueue_isAnEnqueueError_thatDoesNotBlockPastTheTimeout() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "small", new ArrayBlockingQueue<>(1));
      assertThat(queue.publish("a", Duration.ofMillis(50))).isTrue();
      long start = System.nanoTime();
      assertThat(queue.publish("b", Duration.ofMillis(100))).isFalse();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
      assertThat(service.sends(SYSTEM, "small", "success")).isEqualTo(1);
      assertThat(service.sends(SYSTEM, "small", "failure")).isEqualTo(1);
      List<SpanData> producers = service.await(SpanKind.PRODUCER, 2);
      assertThat(producers).filteredOn(s -> s.getStatus().getStatusCode() == StatusCode.ERROR).singleElement()
          .satisfies(s -> assertThat(s.getAttributes().get(AttributeKey.stringKey("error.type"))).endsWith("QueueFullException"));
    }
  }

  @Test
  void handlerFailure_isRecorded_andRethrown() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "orders", new ArrayBlockingQueue<>(10));
      queue.publish("bad", Duration.ZERO);
      assertThatThrownBy(() -> queue.consume(Duration.ofSeconds(1), m -> {
        throw new IllegalArgumentException("cannot ship " + m);
      })).isInstanceOf(IllegalArgumentException.class).hasMessage("cannot ship bad");
      SpanData consumer = service.await(SpanKind.CONSUMER, 1).get(0);
      assertThat(consumer.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(service.count("messaging.process.duration", SYSTEM, "orders", "failure")).isEqualTo(1);
      assertThat(service.obs.meterRegistry().get("messaging.process.active").gauge().value()).isZero();
    }
  }

  @Test
  void jaegerHeadersAsAnotherServiceWroteThem_continueTheTrace_andCarryTheUserId() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      BlockingQueue<Envelope<String>> raw = new ArrayBlockingQueue<>(10);
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "orders", raw);
      raw.add(new Envelope<>("from jaeger", Map.of(
          "Uber-Trace-Id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
          "Uberctx-User.Id", "bob")));
      assertThat(queue.consume(Duration.ofSeconds(1), m -> { })).isTrue();
      SpanData consumer = service.await(SpanKind.CONSUMER, 1).get(0);
      assertThat(consumer.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(consumer.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("enduser.id")))
          .isEqualTo("bob");
    }
  }

  @Test
  void missingOrMalformedHeaders_startANewTrace_areCounted_andNeverThrow() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      BlockingQueue<Envelope<String>> raw = new ArrayBlockingQueue<>(10);
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "orders", raw);
      raw.add(new Envelope<>("no headers", Map.of()));
      raw.add(new Envelope<>("garbage", Map.of("traceparent", "00-nothex-nothex-01", "obs4j-enqueued-at", "yesterday",
          "uber-trace-id", "::::")));
      assertThat(queue.consume(Duration.ofSeconds(1), m -> { })).isTrue();
      assertThat(queue.consume(Duration.ofSeconds(1), m -> { })).isTrue();
      List<SpanData> consumers = service.await(SpanKind.CONSUMER, 2);
      assertThat(consumers).allSatisfy(s -> assertThat(s.getParentSpanContext().isValid()).isFalse());
      assertThat(service.untraced(SYSTEM, "orders")).isEqualTo(2);
      assertThat(service.timer("messaging.queue.time", SYSTEM, "orders", "success")).isNull();
    }
  }

  @Test
  void linkMode_startsANewTraceLinkedToTheProducer() throws Exception {
    try (Recorder service = new Recorder("orders", true)) {
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "orders", new ArrayBlockingQueue<>(10));
      queue.publish("x", Duration.ZERO);
      queue.consume(Duration.ofSeconds(1), m -> { });
      SpanData producer = service.await(SpanKind.PRODUCER, 1).get(0);
      SpanData consumer = service.await(SpanKind.CONSUMER, 1).get(0);
      assertThat(consumer.getParentSpanContext().isValid()).isFalse();
      assertThat(consumer.getTraceId()).isNotEqualTo(producer.getTraceId());
      assertThat(consumer.getLinks()).singleElement()
          .satisfies(l -> assertThat(l.getSpanContext().getSpanId()).isEqualTo(producer.getSpanId()));
    }
  }
}
