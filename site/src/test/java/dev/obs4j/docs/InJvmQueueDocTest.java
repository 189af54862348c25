/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.queue.Envelope;
import dev.obs4j.messaging.queue.TracedQueue;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** integrations/in-jvm-queue.adoc: a traced BlockingQueue between a request thread and a worker thread. */
class InJvmQueueDocTest {
  @Test
  void theWorkersSpanIsTheRequestsChild_andTheWaitIsMeasured() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    List<String> shipped = new CopyOnWriteArrayList<>();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::queue[]
      ObsMessaging messaging = ObsMessaging.create(obs);
      BlockingQueue<Envelope<String>> queue = new ArrayBlockingQueue<>(1000);
      TracedQueue<String> orders = TracedQueue.create(messaging, "orders", queue);
      // end::queue[]
      Thread worker = new Thread(() -> {
        try {
          // tag::consume[]
          while (!Thread.currentThread().isInterrupted()) {        // the worker's loop
            orders.consume(Duration.ofSeconds(1), order -> shipped.add(order));
          }
          // end::consume[]
        } catch (InterruptedException stopped) {
          // interrupted while waiting for a message: the worker stops
        }
      });
      obs.runInSpan("POST /orders", () -> {
        // tag::publish[]
        boolean enqueued = orders.publish("order 17", Duration.ofMillis(100)); // false if full
        // end::publish[]
        assertThat(enqueued).isTrue();
      });
      Thread.sleep(50); // the message waits in the queue
      worker.start();
      Docs.eventually(() -> assertThat(shipped).containsExactly("order 17"));
      worker.interrupt();
      worker.join(10_000);
      assertThat(worker.isAlive()).isFalse();

      SpanData request = Docs.span(spans, "POST /orders");
      SpanData publish = Docs.span(spans, "publish orders");
      SpanData process = Docs.span(spans, "process orders");
      assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(publish.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(process.getParentSpanId()).as("on another thread, still the same trace").isEqualTo(publish.getSpanId());
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("jvm_queue");
      assertThat(process.getAttributes().get(AttributeKey.longKey("messaging.queue.time_ms"))).isNull();
      assertThat(obs.meterRegistry().get("messaging.queue.time").tag("messaging.destination.name", "orders")
          .timer().max(java.util.concurrent.TimeUnit.MILLISECONDS))
          .as("the 50 ms it waited")
          .isGreaterThanOrEqualTo(45);

      TracedQueue<String> tiny = TracedQueue.create(messaging, "tiny", new ArrayBlockingQueue<Envelope<String>>(1));
      assertThat(tiny.publish("a", Duration.ofMillis(10))).isTrue();
      assertThat(tiny.publish("b", Duration.ofMillis(10))).as("full: not enqueued").isFalse();
      SpanData refused = spans.getFinishedSpanItems().stream()
          .filter(s -> s.getName().equals("publish tiny") && s.getStatus().getStatusCode() == StatusCode.ERROR)
          .findFirst()
          .orElseThrow();
      assertThat(refused.getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("dev.obs4j.messaging.queue.TracedQueue$QueueFullException");
      assertThat(Docs.scrape(obs))
          .contains("messaging_client_operation_duration_seconds_count{error_type="
              + "\"dev.obs4j.messaging.queue.TracedQueue$QueueFullException\",messaging_destination_name=\"tiny\","
              + "messaging_operation_name=\"publish\",messaging_operation_type=\"send\",messaging_system=\"jvm_queue\","
              + "outcome=\"failure\",service=\"orders\"} 1")
          .contains("messaging_queue_time_seconds_count{messaging_destination_name=\"orders\","
              + "messaging_operation_name=\"receive\",messaging_system=\"jvm_queue\",outcome=\"success\",service=\"orders\"} 1")
          .contains("messaging_process_duration_seconds_count{error_type=\"\",messaging_destination_name=\"orders\","
              + "messaging_operation_name=\"process\",messaging_operation_type=\"process\",messaging_system=\"jvm_queue\","
              + "outcome=\"success\",service=\"orders\"} 1");
    }
  }

  @Test
  void withLinkedConsumersEachMessageStartsATraceLinkedToTheProducer() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::link[]
      ObsMessaging messaging = ObsMessaging.builder(obs)
          .linkConsumers(true)      // a new trace per message, linked to the producer's span
          .build();
      // end::link[]
      TracedQueue<String> orders = TracedQueue.create(messaging, "orders", new ArrayBlockingQueue<Envelope<String>>(10));
      obs.runInSpan("POST /orders", () -> orders.publish("order 17", Duration.ofMillis(100)));
      assertThat(orders.consume(Duration.ofSeconds(1), order -> { })).isTrue();
      SpanData publish = Docs.span(spans, "publish orders");
      SpanData process = Docs.span(spans, "process orders");
      assertThat(process.getTraceId()).isNotEqualTo(publish.getTraceId());
      assertThat(process.getParentSpanContext().isValid()).isFalse();
      assertThat(process.getLinks()).singleElement()
          .satisfies(link -> assertThat(link.getSpanContext().getSpanId()).isEqualTo(publish.getSpanId()));
    }
  }
}
