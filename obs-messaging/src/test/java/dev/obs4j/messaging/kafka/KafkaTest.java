/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.ObsContext;
import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.Recorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** The Kafka adapter against a real Kafka 4.3.1 broker started for this test. */
class KafkaTest {
  private static final String SYSTEM = ObsKafka.SYSTEM;
  private static final String JAEGER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String JAEGER_SPAN = "00f067aa0ba902b7";

  /** The broker the issue-27 tests share; the first test starts and stops its own. */
  private static KafkaBroker shared;

  @BeforeAll
  static void startSharedBroker() throws Exception {
    shared = new KafkaBroker();
  }

  @AfterAll
  static void stopSharedBroker() throws Exception {
    if (shared != null) {
      shared.close();
    }
  }

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
    return kafka.wrap(plainConsumer(bootstrap, topic, Map.of()));
  }

  /** A consumer that is not wrapped (a service that processes with kafka.process only), from the beginning. */
  private static Consumer<String, String> plainConsumer(String bootstrap, String topic, Map<String, Object> extra) {
    Map<String, Object> config = new HashMap<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    config.putAll(extra);
    Consumer<String, String> consumer = new KafkaConsumer<String, String>(config);
    TopicPartition partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    return consumer;
  }

  private static Producer<String, String> rawProducer() {
    return new KafkaProducer<String, String>(producerConfig(shared.bootstrap()));
  }

  private static String header(ConsumerRecord<?, ?> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static List<SpanData> spans(Recorder service, String name, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    List<SpanData> found;
    do {
      found = service.spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
      if (found.size() >= count) {
        return found;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected " + count + " spans named " + name + ", got " + found);
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
        long publishedBefore = service.sends(SYSTEM, "orders", "success");

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
        assertThat(service.sends(SYSTEM, "orders", "success")).isEqualTo(publishedBefore + 1);
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
        while (service.sends(SYSTEM, "orders", "failure") == 0 && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertThat(service.sends(SYSTEM, "orders", "failure")).isEqualTo(1);
        List<SpanData> failed = service.spans.getFinishedSpanItems().stream()
            .filter(s -> s.getKind() == SpanKind.PRODUCER && s.getStatus().getStatusCode() == StatusCode.ERROR).toList();
        assertThat(failed).hasSize(1);
      }
    }
  }

  // Issue 27, point 4: a record sent twice.
  @Test
  void aRecordSentTwice_eachSendCarriesItsOwnTraceAndEnqueueTime() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      ObsKafka kafka = ObsKafka.create(service.messaging);
      ProducerRecord<String, String> record = new ProducerRecord<>("twice", "o-1", "order-1");
      String firstTrace;
      String secondTrace;
      try (Producer<String, String> producer = kafka.wrap(rawProducer())) {
        firstTrace = service.obs.inSpan("first request", SpanKind.SERVER, () -> {
          try (Scope ignored = Baggage.builder().put("user.id", "alice").build().makeCurrent()) {
            producer.send(record).get(30, TimeUnit.SECONDS);
          }
          return Span.current().getSpanContext().getTraceId();
        });
        Thread.sleep(1100);
        secondTrace = service.obs.inSpan("second request", SpanKind.SERVER, () -> {
          producer.send(record).get(30, TimeUnit.SECONDS); // the same record: its headers are read-only now
          return Span.current().getSpanContext().getTraceId();
        });
      }
      List<ConsumerRecord<String, String>> records;
      try (Consumer<String, String> consumer = plainConsumer(shared.bootstrap(), "twice", Map.of())) {
        records = pollAll(consumer, 2);
        for (ConsumerRecord<String, String> r : records) {
          kafka.process(r, x -> { });
        }
      }
      assertThat(records).hasSize(2);
      long firstEnqueued = Long.parseLong(header(records.get(0), "obs4j-enqueued-at"));
      long secondEnqueued = Long.parseLong(header(records.get(1), "obs4j-enqueued-at"));
      assertThat(secondEnqueued - firstEnqueued).as("the second send's own enqueue time").isGreaterThanOrEqualTo(1000);
      assertThat(records.get(1).headers().headers("traceparent")).as("one traceparent, not two").hasSize(1);
      assertThat(header(records.get(0), "baggage")).isEqualTo("user.id=alice");
      assertThat(header(records.get(1), "baggage")).as("no baggage of the first send's request").isNull();

      List<SpanData> publishes = spans(service, "publish twice", 2);
      List<SpanData> processes = spans(service, "process twice", 2);
      SpanData secondPublish = publishes.stream().filter(p -> p.getTraceId().equals(secondTrace)).findFirst().orElseThrow();
      assertThat(processes.get(0).getTraceId()).isEqualTo(firstTrace);
      assertThat(processes.get(1).getTraceId()).as("the second delivery joins the second request").isEqualTo(secondTrace);
      assertThat(processes.get(1).getParentSpanId()).isEqualTo(secondPublish.getSpanId());
    }
  }

  // Issue 27, point 4: the user's send callback runs in the caller's context.
  @Test
  void theSendCallback_runsInTheCallersContext_andLeavesTheProducerThreadClean() throws Exception {
    try (Recorder service = new Recorder("orders");
        Producer<String, String> producer = ObsKafka.create(service.messaging).wrap(rawProducer())) {
      List<String> seenSpans = new CopyOnWriteArrayList<>();
      List<String> seenMdc = new CopyOnWriteArrayList<>();
      CountDownLatch first = new CountDownLatch(1);
      String[] request = new String[1];
      service.obs.inSpan("POST /orders", SpanKind.SERVER, () -> {
        request[0] = Span.current().getSpanContext().getSpanId();
        MDC.put("request.id", "r-1"); // the caller's own log context goes along too
        try {
          return producer.send(new ProducerRecord<>("callbacks", "o-1", "order-1"), (metadata, error) -> {
            seenSpans.add(Span.current().getSpanContext().getSpanId());
            seenMdc.add(String.valueOf(MDC.get("request.id")));
            first.countDown();
          });
        } finally {
          MDC.remove("request.id");
        }
      });
      assertThat(first.await(30, TimeUnit.SECONDS)).isTrue();
      CountDownLatch second = new CountDownLatch(1);
      producer.send(new ProducerRecord<>("callbacks", "o-2", "order-2"), (metadata, error) -> {
        seenSpans.add(Span.current().getSpanContext().getSpanId());
        seenMdc.add(String.valueOf(MDC.get("request.id")));
        second.countDown();
      });
      assertThat(second.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(seenSpans).as("the caller's span, as OpenTelemetry does; then nothing left behind")
          .containsExactly(request[0], "0000000000000000");
      assertThat(seenMdc).containsExactly("r-1", "null");
    }
  }

  // Issue 27, point 4: the consumer's marker must not travel on with forwarded headers.
  @Test
  void aForwardedRecord_getsItsOwnQueueTimeDownstream_andCarriesNoHeaderOfOurs() throws Exception {
    try (Recorder service = new Recorder("relay")) {
      ObsKafka kafka = ObsKafka.create(service.messaging);
      try (Producer<String, String> producer = kafka.wrap(rawProducer())) {
        producer.send(new ProducerRecord<>("fwd-in", "o-1", "order-1")).get(30, TimeUnit.SECONDS);
        Thread.sleep(1000); // waits upstream; the forwarded copy must not inherit this wait, nor lose its own
        try (Consumer<String, String> consumer = consumer(kafka, shared.bootstrap(), "fwd-in")) {
          ConsumerRecord<String, String> in = pollAll(consumer, 1).get(0);
          assertThat(in.headers().lastHeader("obs4j-received")).as("no marker among the user's headers").isNull();
          kafka.process(in, r -> producer.send(new ProducerRecord<>("fwd-out", null, r.key(), r.value(), r.headers()))
              .get(30, TimeUnit.SECONDS));
        }
      }
      try (Consumer<String, String> downstream = plainConsumer(shared.bootstrap(), "fwd-out", Map.of())) {
        ConsumerRecord<String, String> out = pollAll(downstream, 1).get(0);
        kafka.process(out, r -> { });
      }
      Timer upstream = service.timer("messaging.queue.time", SYSTEM, "fwd-in", "success");
      Timer forwarded = service.timer("messaging.queue.time", SYSTEM, "fwd-out", "success");
      assertThat(upstream.count()).isEqualTo(1);
      assertThat(upstream.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(1000);
      assertThat(forwarded).as("the forwarded record's queue time downstream").isNotNull();
      assertThat(forwarded.count()).isEqualTo(1);
      assertThat(forwarded.max(TimeUnit.MILLISECONDS)).isLessThan(1000);
    }
  }

  // Issue 27, point 4: without the enqueue-time header, the record's CreateTime; LogAppendTime wins over both.
  @Test
  void aRecordWithoutEnqueueTime_waitsFromItsCreateTime_butLogAppendTimeWins() throws Exception {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, shared.bootstrap()))) {
      admin.createTopics(List.of(new NewTopic("appended", 1, (short) 1)
          .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get(30, TimeUnit.SECONDS);
    }
    try (Recorder service = new Recorder("late"); Producer<String, String> raw = rawProducer()) {
      long created = System.currentTimeMillis() - 5000;
      raw.send(new ProducerRecord<>("created", 0, created, "o-1", "order-1")).get(30, TimeUnit.SECONDS);
      raw.send(new ProducerRecord<>("appended", 0, created, "o-2", "order-2")).get(30, TimeUnit.SECONDS);
      ObsKafka kafka = ObsKafka.create(service.messaging);
      try (Consumer<String, String> consumer = consumer(kafka, shared.bootstrap(), "created")) {
        pollAll(consumer, 1);
      }
      try (Consumer<String, String> consumer = consumer(kafka, shared.bootstrap(), "appended")) {
        pollAll(consumer, 1);
      }
      Timer fromCreateTime = service.timer("messaging.queue.time", SYSTEM, "created", "success");
      assertThat(fromCreateTime).as("queue time from the record's CreateTime").isNotNull();
      assertThat(fromCreateTime.count()).isEqualTo(1);
      assertThat(fromCreateTime.max(TimeUnit.MILLISECONDS)).isBetween(5000.0, 60_000.0);
      Timer fromAppendTime = service.timer("messaging.queue.time", SYSTEM, "appended", "success");
      assertThat(fromAppendTime.count()).isEqualTo(1);
      assertThat(fromAppendTime.max(TimeUnit.MILLISECONDS)).as("the broker's clock, not the producer's").isLessThan(5000);
    }
  }

  // Issue 27, point 4: clock skew is counted, not recorded as a queue time of 0.
  @Test
  void anEnqueueTimeInTheFuture_isCountedAsNegative_notRecordedAsZero() throws Exception {
    try (Recorder service = new Recorder("skewed"); Producer<String, String> raw = rawProducer()) {
      long future = System.currentTimeMillis() + 60_000;
      ProducerRecord<String, String> stamped = new ProducerRecord<>("skewed", "o-1", "order-1");
      stamped.headers().add("obs4j-enqueued-at", Long.toString(future).getBytes(StandardCharsets.UTF_8));
      raw.send(stamped).get(30, TimeUnit.SECONDS);
      raw.send(new ProducerRecord<>("skewed", 0, future, "o-2", "order-2")).get(30, TimeUnit.SECONDS); // CreateTime
      ObsKafka kafka = ObsKafka.create(service.messaging);
      try (Consumer<String, String> consumer = consumer(kafka, shared.bootstrap(), "skewed")) {
        for (ConsumerRecord<String, String> record : pollAll(consumer, 2)) {
          kafka.process(record, r -> { });
        }
      }
      Counter negative = service.obs.meterRegistry().find("messaging.queue.time.negative")
          .tags("messaging.system", SYSTEM, "messaging.destination.name", "skewed").counter();
      assertThat(negative).as("messaging.queue.time.negative").isNotNull();
      assertThat(negative.count()).isEqualTo(2.0);
      assertThat(service.count("messaging.queue.time", SYSTEM, "skewed", "success")).as("no false 0").isZero();
      assertThat(spans(service, "process skewed", 2))
          .allSatisfy(s -> assertThat(s.getAttributes().get(AttributeKey.longKey("messaging.queue.time_ms"))).isNull());
    }
  }

  // Issue 27, point 7: linked consumers keep the producer's baggage and business fields.
  @Test
  void linkedConsumers_startANewTrace_butKeepTheProducersBaggageAndFields() throws Exception {
    try (Recorder service = new Recorder("linked", true)) {
      ObsKafka kafka = ObsKafka.create(service.messaging);
      Operations operations = service.obs.operations();
      String requestTrace;
      try (Producer<String, String> producer = kafka.wrap(rawProducer())) {
        Operation request = operations.start(Context.current(), "POST /orders", SpanKind.SERVER, Attributes.empty());
        try (Scope ignored = request.makeCurrent()) {
          ObsContext.setUserId("alice");
          producer.send(new ProducerRecord<>("linked", "o-1", "order-1")).get(30, TimeUnit.SECONDS);
        } finally {
          operations.end(request, null, false, null, null, null);
        }
        requestTrace = request.traceId();
      }
      List<String> seen = new CopyOnWriteArrayList<>();
      try (Consumer<String, String> consumer = consumer(kafka, shared.bootstrap(), "linked")) {
        kafka.process(pollAll(consumer, 1).get(0), r -> {
          seen.add("field=" + ObsContext.userId());
          seen.add("mdc=" + MDC.get("user.id"));
          seen.add("baggage=" + Baggage.current().getEntryValue("user.id"));
        });
      }
      SpanData publish = spans(service, "publish linked", 1).get(0);
      SpanData process = spans(service, "process linked", 1).get(0);
      assertThat(process.getTraceId()).as("a trace of its own").isNotEqualTo(requestTrace);
      assertThat(process.getParentSpanContext().isValid()).isFalse();
      assertThat(process.getLinks()).extracting(l -> l.getSpanContext().getSpanId()).containsExactly(publish.getSpanId());
      assertThat(process.getAttributes().get(AttributeKey.stringKey("enduser.id"))).isEqualTo("alice");
      assertThat(seen).containsExactly("field=alice", "mdc=alice", "baggage=alice");
    }
  }

  // Issue 27, what users of OpenTelemetry's Kafka instrumentation look for on spans.
  @Test
  void spansCarryPartitionOffsetKeyConsumerGroupAndClientId() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      ObsKafka kafka = ObsKafka.create(service.messaging);
      Map<String, Object> config = new HashMap<>(producerConfig(shared.bootstrap()));
      config.put(ProducerConfig.CLIENT_ID_CONFIG, "orders-api");
      RecordMetadata sent;
      try (Producer<String, String> producer = kafka.wrap(new KafkaProducer<String, String>(config))) {
        sent = producer.send(new ProducerRecord<>("attributes", "o-7", "order-7")).get(30, TimeUnit.SECONDS);
        producer.send(new ProducerRecord<>("attributes", "o-8", null)).get(30, TimeUnit.SECONDS); // a tombstone
      }
      List<ConsumerRecord<String, String>> records;
      try (Consumer<String, String> consumer = kafka.wrap(plainConsumer(shared.bootstrap(), "attributes",
          Map.of(ConsumerConfig.GROUP_ID_CONFIG, "billing", ConsumerConfig.CLIENT_ID_CONFIG, "billing-1")))) {
        records = pollAll(consumer, 2);
        for (ConsumerRecord<String, String> record : records) {
          kafka.process(record, r -> { });
        }
      }
      SpanData publish = spans(service, "publish attributes", 2).get(0);
      assertThat(publish.getAttributes().get(AttributeKey.stringKey("messaging.kafka.message.key"))).isEqualTo("o-7");
      assertThat(publish.getAttributes().get(AttributeKey.stringKey("messaging.destination.partition.id"))).isEqualTo("0");
      assertThat(publish.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset"))).isEqualTo(sent.offset());
      assertThat(publish.getAttributes().get(AttributeKey.stringKey("messaging.client.id"))).isEqualTo("orders-api");

      List<SpanData> processes = spans(service, "process attributes", 2);
      SpanData process = processes.get(0);
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.destination.partition.id"))).isEqualTo("0");
      assertThat(process.getAttributes().get(AttributeKey.longKey("messaging.kafka.offset"))).isEqualTo(records.get(0).offset());
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.kafka.message.key"))).isEqualTo("o-7");
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name"))).isEqualTo("billing");
      assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.client.id"))).isEqualTo("billing-1");
      assertThat(process.getAttributes().get(AttributeKey.booleanKey("messaging.kafka.message.tombstone"))).isNull();
      assertThat(processes.get(1).getAttributes().get(AttributeKey.booleanKey("messaging.kafka.message.tombstone")))
          .isTrue();
    }
  }

  // Issue 27: a receive span per poll, linked to the records' producers, for batch processing.
  @Test
  void receiveSpans_onePerPollThatReturnedRecords_linkedToTheirProducers() throws Exception {
    try (Recorder service = new Recorder("batch")) {
      ObsKafka kafka = ObsKafka.builder(service.messaging).receiveSpans(true).build();
      List<String> producerTraces = new ArrayList<>();
      try (Producer<String, String> producer = kafka.wrap(rawProducer()); Producer<String, String> raw = rawProducer()) {
        for (int i = 0; i < 2; i++) {
          int n = i;
          producerTraces.add(service.obs.inSpan("POST /orders", SpanKind.SERVER, () -> {
            producer.send(new ProducerRecord<>("batched", "o-" + n, "order-" + n)).get(30, TimeUnit.SECONDS);
            return Span.current().getSpanContext().getTraceId();
          }));
        }
        raw.send(new ProducerRecord<>("batched", "o-9", "untraced")).get(30, TimeUnit.SECONDS);
      }
      List<SpanData> publishes = spans(service, "publish batched", 2);
      int[] nonEmptyPolls = {0};
      String job;
      try (Consumer<String, String> consumer = kafka.wrap(plainConsumer(shared.bootstrap(), "batched",
          Map.of(ConsumerConfig.GROUP_ID_CONFIG, "shipping", ConsumerConfig.CLIENT_ID_CONFIG, "shipping-1")))) {
        job = service.obs.inSpan("nightly batch", () -> {
          List<ConsumerRecord<String, String>> records = new ArrayList<>();
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (records.size() < 3 && System.nanoTime() < deadline) {
            int before = records.size();
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            if (records.size() > before) {
              nonEmptyPolls[0]++;
            }
          }
          return Span.current().getSpanContext().getSpanId();
        });
      }
      List<SpanData> polls = spans(service, "poll batched", nonEmptyPolls[0]);
      assertThat(polls).as("one per poll that returned records, none for empty polls").hasSize(nonEmptyPolls[0]);
      assertThat(polls).allSatisfy(poll -> {
        assertThat(poll.getKind()).isEqualTo(SpanKind.CONSUMER);
        assertThat(poll.getParentSpanId()).isEqualTo(job);
        assertThat(poll.getAttributes().get(AttributeKey.stringKey("messaging.system"))).isEqualTo("kafka");
        assertThat(poll.getAttributes().get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("batched");
        assertThat(poll.getAttributes().get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("receive");
        assertThat(poll.getAttributes().get(AttributeKey.stringKey("messaging.operation.name"))).isEqualTo("poll");
        assertThat(poll.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name"))).isEqualTo("shipping");
        assertThat(poll.getAttributes().get(AttributeKey.stringKey("messaging.client.id"))).isEqualTo("shipping-1");
      });
      assertThat(polls.stream().mapToLong(p -> p.getAttributes().get(AttributeKey.longKey("messaging.batch.message_count")))
          .sum()).isEqualTo(3);
      assertThat(polls.stream().flatMap(p -> p.getLinks().stream()).map(LinkData::getSpanContext))
          .as("a link to each traced record's producer span; the untraced record has none")
          .extracting(c -> c.getTraceId() + "/" + c.getSpanId())
          .containsExactlyInAnyOrderElementsOf(
              publishes.stream().map(p -> p.getTraceId() + "/" + p.getSpanId()).toList());
      assertThat(publishes).extracting(SpanData::getTraceId).containsExactlyInAnyOrderElementsOf(producerTraces);
      assertThat(service.operations("kafka", "batched", "receive", "poll", "success"))
          .as("each poll that returned records is timed as a receive")
          .isEqualTo(nonEmptyPolls[0]);
    }
  }

  // Without receiveSpans, poll starts no span (OpenTelemetry's default too).
  @Test
  void withoutReceiveSpans_pollStartsNoSpan() throws Exception {
    try (Recorder service = new Recorder("quiet"); Producer<String, String> raw = rawProducer()) {
      raw.send(new ProducerRecord<>("quiet", "o-1", "order-1")).get(30, TimeUnit.SECONDS);
      ObsKafka kafka = ObsKafka.create(service.messaging);
      try (Consumer<String, String> consumer = consumer(kafka, shared.bootstrap(), "quiet")) {
        assertThat(pollAll(consumer, 1)).hasSize(1);
      }
      assertThat(service.spans.getFinishedSpanItems()).isEmpty();
      assertThat(service.operations("kafka", "quiet", "receive", "poll", "success"))
          .as("the poll is timed without a span").isEqualTo(1);
    }
  }

  // Issue 27: offset commits are settle operations (messaging.operation.type=settle, messaging.operation.name=commit).
  @Test
  void commits_areSettleOperations_syncAndAsync_andAFailedCommitCountsItsErrorType() throws Exception {
    try (Recorder service = new Recorder("settling"); Producer<String, String> raw = rawProducer()) {
      raw.send(new ProducerRecord<>("settled", "o-1", "order-1")).get(30, TimeUnit.SECONDS);
      ObsKafka kafka = ObsKafka.create(service.messaging);
      List<Exception> callbacks = new ArrayList<>();
      try (Consumer<String, String> consumer = kafka.wrap(plainConsumer(shared.bootstrap(), "settled",
          Map.of(ConsumerConfig.GROUP_ID_CONFIG, "settlers")))) {
        assertThat(pollAll(consumer, 1)).hasSize(1);
        consumer.commitSync(); // finds the group's coordinator (an asynchronous commit before that fails, retriable)
        consumer.commitAsync((offsets, exception) -> callbacks.add(exception == null ? new Exception("ok") : exception));
        consumer.commitSync(); // runs the pending asynchronous commit's callback first
      }
      assertThat(callbacks).as("the application's callback still runs").extracting(Exception::getMessage)
          .containsExactly("ok");
      assertThat(service.operations("kafka", "settled", "settle", "commit", "success")).isEqualTo(3);

      try (Consumer<String, String> noGroup = consumer(kafka, shared.bootstrap(), "settled")) {
        assertThat(pollAll(noGroup, 1)).hasSize(1);
        assertThatThrownBy(noGroup::commitSync).isInstanceOf(org.apache.kafka.common.errors.InvalidGroupIdException.class);
      }
      io.micrometer.core.instrument.Timer failed = service.obs.meterRegistry()
          .find(MessagingHandler.CLIENT_OPERATION_DURATION)
          .tags("messaging.operation.type", "settle", "outcome", "failure",
              "error.type", "org.apache.kafka.common.errors.InvalidGroupIdException")
          .timer();
      assertThat(failed).isNotNull();
      assertThat(failed.count()).isEqualTo(1);
    }
  }
}
