/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.kafka.ObsKafka;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;

/**
 * integrations/kafka.adoc: the wrapped producer and consumer over the Kafka client's own MockProducer and
 * MockConsumer (the site's tests start no broker; obs-messaging's KafkaTest runs the same code against a real
 * one). The record the mock producer took is handed to the mock consumer with its headers, as a broker would.
 */
class KafkaDocTest {
  private static final TopicPartition ORDERS = new TopicPartition("orders", 0);

  private static ConsumerRecord<String, String> delivered(ProducerRecord<String, String> sent, long offset) {
    RecordHeaders headers = new RecordHeaders();
    sent.headers().forEach(headers::add);
    return new ConsumerRecord<>(sent.topic(), 0, offset, System.currentTimeMillis(), TimestampType.CREATE_TIME,
        -1, -1, sent.key(), sent.value(), headers, Optional.empty());
  }

  @Test
  void oneTraceFromTheProducerToTheConsumer_withQueueTimeAndEnqueueMetrics() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    MockProducer<String, String> kafkaProducer =
        new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    MockConsumer<String, String> kafkaConsumer = new MockConsumer<>("earliest");
    List<String> shippedValues = new CopyOnWriteArrayList<>();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::wrap[]
      ObsKafka kafka = ObsKafka.create(ObsMessaging.create(obs));
      Producer<String, String> producer = kafka.wrap(kafkaProducer);   // your KafkaProducer
      Consumer<String, String> consumer = kafka.wrap(kafkaConsumer);   // your KafkaConsumer
      // end::wrap[]
      obs.runInSpan("POST /orders", () -> {
        // tag::send[]
        producer.send(new ProducerRecord<>("orders", "17", "order 17"));   // a PRODUCER span
        // end::send[]
      });
      ProducerRecord<String, String> sent = kafkaProducer.history().get(0);
      assertThat(sent.headers().lastHeader("traceparent")).isNotNull();
      assertThat(sent.headers().lastHeader("obs4j-enqueued-at")).isNotNull();
      kafkaConsumer.schedulePollTask(() -> {
        kafkaConsumer.rebalance(List.of(ORDERS));
        kafkaConsumer.updateBeginningOffsets(Map.of(ORDERS, 0L));
        kafkaConsumer.addRecord(delivered(sent, 0));
      });
      Thread.sleep(50); // the record waits in the topic
      // tag::consume[]
      consumer.subscribe(List.of("orders"));
      for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
        kafka.process(record, r -> shippedValues.add(r.value()));   // in a CONSUMER span
      }
      // end::consume[]
      assertThat(shippedValues).containsExactly("order 17");

      SpanData request = Docs.span(spans, "POST /orders");
      SpanData publish = Docs.span(spans, "publish orders");
      SpanData process = Docs.span(spans, "process orders");
      assertThat(publish.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(publish.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(process.getTraceId()).isEqualTo(request.getTraceId());
      assertThat(process.getParentSpanId()).isEqualTo(publish.getSpanId());
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("orders");
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.operation.name"))).isEqualTo("process");
      String scrape = Docs.scrape(obs);
      assertThat(scrape)
          .as("queue time once, at poll, not again in process")
          .contains("messaging_queue_time_seconds_count{messaging_destination_name=\"orders\",messaging_operation_name="
              + "\"receive\",messaging_system=\"kafka\",outcome=\"success\",service=\"orders\"} 1")
          .contains("messaging_client_operation_duration_seconds_count{error_type=\"\",messaging_destination_name="
              + "\"orders\",messaging_operation_name=\"publish\",messaging_operation_type=\"send\",messaging_system="
              + "\"kafka\",outcome=\"success\",service=\"orders\"} 1")
          .contains("messaging_process_duration_seconds_count{error_type=\"\",messaging_destination_name=\"orders\","
              + "messaging_operation_name=\"process\",messaging_operation_type=\"process\",messaging_system=\"kafka\","
              + "outcome=\"success\",service=\"orders\"} 1");
      double waited = obs.meterRegistry().get("messaging.queue.time").tag("messaging.system", "kafka").timer()
          .max(java.util.concurrent.TimeUnit.MILLISECONDS);
      assertThat(waited).isGreaterThanOrEqualTo(45);
    }
  }

  @Test
  void aFailedSendIsAnEnqueueError_andARecordWithoutHeadersIsCountedUntraced() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    MockProducer<String, String> kafkaProducer =
        new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
    try (Obs obs = Docs.builder("orders", spans).build();
        LogCapture log = LogCapture.of("dev.obs4j.messaging", Level.WARN)) {
      ObsKafka kafka = ObsKafka.create(ObsMessaging.create(obs));
      Producer<String, String> producer = kafka.wrap(kafkaProducer);
      Future<RecordMetadata> result = producer.send(new ProducerRecord<>("orders", "18", "order 18"));
      kafkaProducer.errorNext(new TimeoutException("Expiring 1 record(s) for orders-0"));
      assertThat(result).isDone();
      SpanData publish = Docs.span(spans, "publish orders");
      assertThat(publish.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(publish.getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("org.apache.kafka.common.errors.TimeoutException");
      assertThat(log.lines()).singleElement().satisfies(line -> {
        assertThat(line.level()).as("the producer has retried already: the record is lost").isEqualTo(Level.ERROR);
        assertThat(line.message()).contains("kafka orders").contains("the message is lost");
      });

      ConsumerRecord<String, String> bare = new ConsumerRecord<>("orders", 0, 7L, "19", "order 19");
      bare.headers().add("note", "from a producer without tracing".getBytes(StandardCharsets.UTF_8));
      kafka.process(bare, r -> { });
      assertThat(Docs.span(spans, "process orders").getParentSpanContext().isValid()).as("a new trace").isFalse();
      assertThat(Docs.scrape(obs))
          .containsPattern("messaging_client_operation_duration_seconds_count\\{error_type=\"[^\"]+\","
              + "messaging_destination_name=\"orders\",messaging_operation_name=\"publish\",messaging_operation_type="
              + "\"send\",messaging_system=\"kafka\",outcome=\"failure\",service=\"orders\"\\} 1")
          .contains("messaging_receive_untraced_total{messaging_destination_name=\"orders\",messaging_system=\"kafka\","
              + "service=\"orders\"} 1.0");
    }
  }
}
