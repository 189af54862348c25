/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.messaging.MessageHandler;
import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.ObsMessaging;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.TimestampType;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka adapter: a traced {@link Producer} (a PRODUCER span per record, context and enqueue time in the
 * record headers, publish duration until the broker acknowledges), a traced {@link Consumer} (queue time
 * recorded as {@code poll} hands each record over), and {@link #process} to run the handling of one record
 * in its CONSUMER span.
 *
 * <pre>{@code
 * ObsKafka kafka = ObsKafka.create(ObsMessaging.create(obs));
 * Producer<String, String> producer = kafka.wrap(new KafkaProducer<>(config));
 * Consumer<String, String> consumer = kafka.wrap(new KafkaConsumer<>(config));
 * for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
 *   kafka.process(record, r -> ship(r.value()));
 * }
 * }</pre>
 */
public final class ObsKafka {
  /** Reads a record's headers, listing their names so that Jaeger's {@code uberctx-*} baggage is found. */
  static final HeaderGetter<Headers> HEADERS = HeaderGetter.of(ObsKafka::header, ObsKafka::headerNames);

  /** {@code messaging.system} of Kafka. */
  public static final String SYSTEM = "kafka";

  private static final String RECEIVED_HEADER = "obs4j-received";

  private final MessagingHandler handler;

  private ObsKafka(ObsMessaging messaging) {
    this.handler = messaging.handler();
  }

  /** The Kafka adapter over {@code messaging}. */
  public static ObsKafka create(ObsMessaging messaging) {
    return new ObsKafka(Objects.requireNonNull(messaging, "messaging"));
  }

  /** A producer whose sends are traced and timed. */
  public <K, V> Producer<K, V> wrap(Producer<K, V> producer) {
    return producer instanceof TracedProducer ? producer : new TracedProducer<>(producer, handler);
  }

  /** A consumer whose polls record each record's queue time. */
  public <K, V> Consumer<K, V> wrap(Consumer<K, V> consumer) {
    return consumer instanceof TracedConsumer ? consumer : new TracedConsumer<>(consumer, handler);
  }

  /**
   * Runs {@code code} on {@code record} in a CONSUMER span whose parent is the producer's span (a record
   * without trace headers starts a new trace); errors are recorded and rethrown. Records that did not come
   * through a wrapped consumer get their queue time recorded here.
   */
  public <K, V, E extends Exception> void process(
      ConsumerRecord<K, V> record, MessageHandler<? super ConsumerRecord<K, V>, E> code) throws E {
    boolean received = record.headers().lastHeader(RECEIVED_HEADER) != null;
    MessagingHandler.Process process =
        handler.startProcess(
            SYSTEM, record.topic(), record.headers(), HEADERS,
            brokerTimestamp(record), !received);
    handler.run(process, () -> code.handle(record));
  }

  static void received(MessagingHandler handler, ConsumerRecord<?, ?> record) {
    handler.queueTime(SYSTEM, record.topic(), brokerTimestamp(record), HEADERS, record.headers());
    try {
      record.headers().add(RECEIVED_HEADER, new byte[0]);
    } catch (IllegalStateException readOnly) {
      // process() will record the queue time again; better twice than never
    }
  }

  /** The broker's append time when the topic keeps one; otherwise -1 (the enqueue-time header decides). */
  static long brokerTimestamp(ConsumerRecord<?, ?> record) {
    if (record.timestampType() == TimestampType.LOG_APPEND_TIME) {
      return record.timestamp();
    }
    return -1;
  }

  static Iterable<String> headerNames(Headers headers) {
    java.util.List<String> names = new java.util.ArrayList<>();
    for (Header header : headers) {
      names.add(header.key());
    }
    return names;
  }

  static @Nullable String header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  static void setHeader(ProducerRecord<?, ?> record, String name, String value) {
    Headers headers = record.headers();
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
