/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.Recorder;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The current OpenTelemetry messaging conventions, through the in-JVM queue (the same handler as every broker). */
class MessagingConventionsTest {
  private static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");

  @Test
  void operationTypes_sendAndProcess_setAsTheSpansStart() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "orders", new ArrayBlockingQueue<>(10));
      queue.publish("a", Duration.ZERO);
      Envelope<String> received = queue.poll(Duration.ofSeconds(1));
      queue.process(received, m -> { });
      // a queue time measured when processing starts is on the span from its start too
      TracedQueue<String> measured = TracedQueue.create(service.messaging, "orders", new ArrayBlockingQueue<>(10));
      measured.publish("b", Duration.ZERO);
      MessagingHandler handler = service.messaging.handler();
      Envelope<String> b = measured.poll(Duration.ofSeconds(1));
      handler.run(handler.startProcess(TracedQueue.SYSTEM, "orders", b.headers(),
          dev.obs4j.trace.HeaderGetter.of(java.util.Map::get, java.util.Map::keySet), -1, true), () -> { });

      SpanData producer = service.await(SpanKind.PRODUCER, 1).get(0);
      assertThat(service.atStart.get(producer.getSpanId()).get(OPERATION_TYPE)).isEqualTo("send");
      assertThat(producer.getAttributes().get(AttributeKey.stringKey("messaging.operation.name"))).isEqualTo("publish");
      assertThat(producer.getName()).isEqualTo("publish orders");
      for (SpanData consumer : service.await(SpanKind.CONSUMER, 2)) {
        Attributes atStart = service.atStart.get(consumer.getSpanId());
        assertThat(atStart.get(OPERATION_TYPE)).isEqualTo("process");
        assertThat(atStart.get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("orders");
      }
      assertThat(service.await(SpanKind.CONSUMER, 2)).anySatisfy(c -> assertThat(
          service.atStart.get(c.getSpanId()).get(AttributeKey.longKey("messaging.queue.time_ms"))).isNotNull());
    }
  }

  @Test
  void clientOperationDuration_andProcessDuration_inSeconds_taggedAsOpenTelemetry_withErrorTypeOnFailure()
      throws Exception {
    try (Recorder service = new Recorder("orders")) {
      TracedQueue<String> queue = TracedQueue.create(service.messaging, "small", new ArrayBlockingQueue<>(1));
      assertThat(queue.publish("a", Duration.ZERO)).isTrue();
      assertThat(queue.publish("b", Duration.ofMillis(10))).isFalse(); // full: an enqueue error
      queue.consume(Duration.ofSeconds(1), m -> { });
      queue.publish("c", Duration.ZERO);
      assertThatThrownBy(() -> queue.consume(Duration.ofSeconds(1), m -> {
        throw new IllegalStateException("cannot ship " + m);
      })).isInstanceOf(IllegalStateException.class);

      Timer sent = service.obs.meterRegistry().get(MessagingHandler.CLIENT_OPERATION_DURATION)
          .tags("messaging.system", "jvm_queue", "messaging.destination.name", "small",
              "messaging.operation.type", "send", "messaging.operation.name", "publish", "error.type", "",
              "outcome", "success").timer();
      assertThat(sent.count()).isEqualTo(2);
      Timer failedSend = service.obs.meterRegistry().get(MessagingHandler.CLIENT_OPERATION_DURATION)
          .tags("messaging.operation.type", "send", "outcome", "failure").timer();
      assertThat(failedSend.count()).isEqualTo(1);
      assertThat(failedSend.getId().getTag("error.type")).isEqualTo(TracedQueue.QueueFullException.class.getName());
      Timer failedProcess = service.obs.meterRegistry().get(MessagingHandler.PROCESS_DURATION)
          .tags("messaging.operation.type", "process", "messaging.operation.name", "process", "outcome", "failure")
          .timer();
      assertThat(failedProcess.count()).isEqualTo(1);
      assertThat(failedProcess.getId().getTag("error.type")).isEqualTo(IllegalStateException.class.getName());
      assertThat(service.obs.meterRegistry().get(MessagingHandler.PROCESS_DURATION)
          .tags("error.type", "", "outcome", "success").timer().count()).isEqualTo(1);
      assertThat(sent.getId().getBaseUnit()).isEqualTo("seconds");

      // What Prometheus scrapes: seconds, and an empty error_type on success, which Prometheus reads as absent.
      String scrape = service.obs.meterRegistry().scrape();
      assertThat(scrape)
          .contains("messaging_client_operation_duration_seconds_count{error_type=\"\",messaging_destination_name="
              + "\"small\",messaging_operation_name=\"publish\",messaging_operation_type=\"send\",messaging_system="
              + "\"jvm_queue\",outcome=\"success\",service=\"orders\"} 2")
          .contains("messaging_client_operation_duration_seconds_count{error_type=\""
              + TracedQueue.QueueFullException.class.getName() + "\"")
          .contains("messaging_process_duration_seconds_bucket{error_type=\"java.lang.IllegalStateException\"")
          .contains("messaging_queue_time_seconds_count{")
          .doesNotContain("messaging_publish_duration");
      assertThat(service.timer(MessagingHandler.QUEUE_TIME, "jvm_queue", "small", "success").totalTime(TimeUnit.NANOSECONDS))
          .isNotNegative();
    }
  }
}
