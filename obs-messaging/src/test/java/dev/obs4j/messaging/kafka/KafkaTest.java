/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.messaging.Recorder;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The Kafka adapter against a real Kafka 4.3.1 broker started for this test. */
class KafkaTest {
  private static final String SYSTEM = ObsKafka.SYSTEM;
  private static final String JAEGER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String JAEGER_SPAN = "00f067aa0ba902b7";

  private static Map<String, Object> producerConfig(String bootstrap) {
    return Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 0,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1500,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3000);
  }

  private static Consumer<String, String> consumer(ObsKafka kafka, String bootstrap, String topic) {
    Consumer<String, String> consumer = kafka.wrap(new KafkaConsumer<String, String>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)));
    TopicPartition partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    return consumer;
  }

  private static List<ConsumerRecord<String, String>> pollAll(Consumer<String, String> consumer, int count) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (records.size() < count && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }

  @Test
  void publishInARequest_consumedLate_oneTrace_queueTime_counts_andABrokerStoppedCountsAnEnqueueError()
      throws Exception {
    try (KafkaBroker broker = new KafkaBroker(); Recorder service = new Recorder("orders")) {
      ObsKafka kafka = ObsKafka.create(service.messaging);
      try (Producer<String, String> producer = kafka.wrap(new KafkaProducer<String, String>(producerConfig(broker.bootstrap())))) {
        // The topic exists before the timed run, so auto-creation does not count as queue time.
        producer.send(new ProducerRecord<>("orders", "warm-up", "warm-up")).get(60, TimeUnit.SECONDS);
        service.spans.reset();
        long publishedBefore = service.count("messaging.publish.duration", SYSTEM, "orders", "success");

        service.obs.inSpan("POST /orders", SpanKind.SERVER,
            () -> producer.send(new ProducerRecord<>("orders", "o-1", "order-1")).get(30, TimeUnit.SECONDS));
        Thread.sleep(500); // the consumer starts late
        try (Consumer<String, String> consumer = consumer(kafka, broker.bootstrap(), "orders")) {
          List<ConsumerRecord<String, String>> records = pollAll(consumer, 2);
          assertThat(records).extracting(ConsumerRecord::value).containsExactly("warm-up", "order-1");
          kafka.process(records.get(1), r -> assertThat(r.value()).isEqualTo("order-1"));
          assertThatThrownBy(() -> kafka.process(records.get(1), r -> {
            throw new IllegalStateException("cannot ship");
          })).isInstanceOf(IllegalStateException.class);
        }
        service.assertOneTrace("orders");
        assertThat(service.count("messaging.publish.duration", SYSTEM, "orders", "success")).isEqualTo(publishedBefore + 1);
        Timer queueTime = service.timer("messaging.queue.time", SYSTEM, "orders", "success");
        assertThat(queueTime.count()).isEqualTo(2); // each record once, at poll; process() does not add
        assertThat(queueTime.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(500);
        assertThat(service.count("messaging.process.duration", SYSTEM, "orders", "success")).isEqualTo(1);
        assertThat(service.count("messaging.process.duration", SYSTEM, "orders", "failure")).isEqualTo(1);

        // A record as a jaeger-client service publishes it: uber-trace-id and uberctx- baggage headers.
        try (Producer<String, String> raw = new KafkaProducer<String, String>(producerConfig(broker.bootstrap()))) {
          ProducerRecord<String, String> jaegerRecord = new ProducerRecord<>("jaeger-orders", "o-9", "order-9");
          jaegerRecord.headers().add("uber-trace-id", (JAEGER_TRACE + ":" + JAEGER_SPAN + ":0:1").getBytes(StandardCharsets.UTF_8));
          jaegerRecord.headers().add("uberctx-user.id", "bob".getBytes(StandardCharsets.UTF_8));
          raw.send(jaegerRecord).get(30, TimeUnit.SECONDS);
        }
        service.spans.reset();
        try (Consumer<String, String> consumer = consumer(kafka, broker.bootstrap(), "jaeger-orders")) {
          List<ConsumerRecord<String, String>> records = pollAll(consumer, 1);
          kafka.process(records.get(0), r -> { });
        }
        SpanData consumed = service.await(SpanKind.CONSUMER, 1).stream()
            .filter(s -> s.getKind() == SpanKind.CONSUMER).findFirst().orElseThrow();
        assertThat(consumed.getTraceId()).isEqualTo(JAEGER_TRACE);
        assertThat(consumed.getParentSpanId()).isEqualTo(JAEGER_SPAN);
        assertThat(consumed.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("enduser.id")))
            .isEqualTo("bob");

        // The broker goes away: the send fails within the configured timeouts and counts an enqueue error.
        broker.stop();
        long start = System.nanoTime();
        var future = producer.send(new ProducerRecord<>("orders", "o-2", "order-2"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2500); // max.block.ms
        assertThatThrownBy(() -> future.get(15, TimeUnit.SECONDS)).hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (service.count("messaging.publish.duration", SYSTEM, "orders", "failure") == 0 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(service.count("messaging.publish.duration", SYSTEM, "orders", "failure")).isEqualTo(1);
        List<SpanData> failed = service.spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.PRODUCER && s.getStatus().getStatusCode() == StatusCode.ERROR).toList();
        assertThat(failed).hasSize(1);
      }
    }
  }
}
