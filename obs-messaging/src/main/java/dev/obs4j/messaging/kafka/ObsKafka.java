/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import dev.obs4j.messaging.MessageHandler;
import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.trace.HeaderGetter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.record.TimestampType;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka adapter: a traced {@link Producer} (a PRODUCER span per record, context and enqueue time in the
 * record headers, publish duration until the broker acknowledges), a traced {@link Consumer} (queue time
 * recorded as {@code poll} hands each record over; with {@link Builder#receiveSpans} a span per poll), and
 * {@link #process} to run the handling of one record in its CONSUMER span.
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

  static final AttributeKey<String> PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
  static final AttributeKey<Long> OFFSET = AttributeKey.longKey("messaging.kafka.offset");
  static final AttributeKey<String> KEY = AttributeKey.stringKey("messaging.kafka.message.key");
  static final AttributeKey<Boolean> TOMBSTONE = AttributeKey.booleanKey("messaging.kafka.message.tombstone");
  static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
  static final AttributeKey<String> CLIENT_ID = AttributeKey.stringKey("messaging.client.id");

  /** Jaeger's baggage headers, one per entry, which no propagator lists among its fields. */
  private static final String JAEGER_BAGGAGE_PREFIX = "uberctx-";

  private final MessagingHandler handler;
  private final boolean receiveSpans;
  /** Header names of ours that a copy of a record must not take along (see {@link #writable}). */
  private final Set<String> ownHeaders;
  /**
   * The records a wrapped consumer handed over (their queue time is recorded), with what {@link #process}
   * puts on their spans. Weak keys: an entry lives as long as the application holds the record. Kept beside
   * the record rather than in a header of it, which an application forwarding the headers would pass on.
   */
  private final Map<ConsumerRecord<?, ?>, ConsumerInfo> polled = Collections.synchronizedMap(new WeakHashMap<>());

  private ObsKafka(Builder builder) {
    this.handler = builder.messaging.handler();
    this.receiveSpans = builder.receiveSpans;
    Set<String> own = new HashSet<>();
    for (String name : handler.headerNames()) {
      own.add(name.toLowerCase(Locale.ROOT));
    }
    this.ownHeaders = Set.copyOf(own);
  }

  /** The Kafka adapter over {@code messaging}, with the defaults (no receive spans). */
  public static ObsKafka create(ObsMessaging messaging) {
    return builder(messaging).build();
  }

  /** Starts configuring the Kafka adapter over {@code messaging}. */
  public static Builder builder(ObsMessaging messaging) {
    return new Builder(Objects.requireNonNull(messaging, "messaging"));
  }

  /** Configures {@link ObsKafka}. */
  public static final class Builder {
    private final ObsMessaging messaging;
    private boolean receiveSpans;

    private Builder(ObsMessaging messaging) {
      this.messaging = messaging;
    }

    /**
     * Whether a wrapped consumer's {@code poll} that returns records is a span of its own (default false, as
     * in OpenTelemetry's Kafka instrumentation): {@code poll <topic>}, kind CONSUMER, child of the span current
     * at the poll, linked to each record's producer span, with the record count, consumer group and client
     * id. For batch processing, where one unit of work handles many records.
     */
    public Builder receiveSpans(boolean enabled) {
      this.receiveSpans = enabled;
      return this;
    }

    /** Builds the adapter. */
    public ObsKafka build() {
      return new ObsKafka(this);
    }
  }

  /** A producer whose sends are traced and timed. */
  public <K, V> Producer<K, V> wrap(Producer<K, V> producer) {
    return producer instanceof TracedProducer ? producer : new TracedProducer<>(producer, this);
  }

  /** A consumer whose polls record each record's queue time. */
  public <K, V> Consumer<K, V> wrap(Consumer<K, V> consumer) {
    return consumer instanceof TracedConsumer ? consumer : new TracedConsumer<>(consumer, this);
  }

  MessagingHandler handler() {
    return handler;
  }

  /**
   * Runs {@code code} on {@code record} in a CONSUMER span whose parent is the producer's span (a record
   * without trace headers starts a new trace); errors are recorded and rethrown. Records that did not come
   * through a consumer wrapped by this adapter get their queue time recorded here.
   */
  public <K, V, E extends Exception> void process(
      ConsumerRecord<K, V> record, MessageHandler<? super ConsumerRecord<K, V>, E> code) throws E {
    ConsumerInfo consumer = polled.get(record);
    MessagingHandler.Process process =
        handler.startProcess(
            SYSTEM, record.topic(), record.headers(), HEADERS,
            queueTimestamp(record), consumer == null, processAttributes(record, consumer));
    handler.run(process, () -> code.handle(record));
  }

  /** What a wrapped consumer's poll returned, {@code start} being when the poll began. */
  void polled(ConsumerRecords<?, ?> records, ConsumerInfo consumer, long startNanos) {
    List<Headers> headers = receiveSpans ? new ArrayList<>(records.count()) : List.of();
    for (ConsumerRecord<?, ?> record : records) {
      handler.queueTime(SYSTEM, record.topic(), queueTimestamp(record), HEADERS, record.headers());
      polled.put(record, consumer);
      if (receiveSpans) {
        headers.add(record.headers());
      }
    }
    handler.recordReceive(SYSTEM, "poll", topic(records.partitions()), headers, HEADERS, startNanos,
        consumer.attributes(), receiveSpans);
  }

  /** The one topic of {@code partitions}, or null when they span several (or none). */
  static @Nullable String topic(Collection<TopicPartition> partitions) {
    String topic = null;
    for (TopicPartition partition : partitions) {
      if (topic == null) {
        topic = partition.topic();
      } else if (!topic.equals(partition.topic())) {
        return null;
      }
    }
    return topic;
  }

  /** Records an offset commit begun at {@code startNanos} as a settle operation. */
  void committed(Collection<TopicPartition> partitions, long startNanos, @Nullable Throwable error) {
    handler.settled(SYSTEM, topic(partitions), "commit", startNanos, error);
  }

  /**
   * When the record was enqueued, as far as the record says without our header: the broker's append time
   * when the topic keeps one (its own clock); else, when the producer wrote no {@code obs4j-enqueued-at}
   * header, the record's CreateTime (the producer's clock, or a time the application chose); else -1, and the
   * header decides.
   */
  static long queueTimestamp(ConsumerRecord<?, ?> record) {
    if (record.timestampType() == TimestampType.LOG_APPEND_TIME) {
      return record.timestamp();
    }
    if (record.timestampType() == TimestampType.CREATE_TIME
        && record.timestamp() >= 0
        && record.headers().lastHeader(MessagingHandler.ENQUEUED_AT_HEADER) == null) {
      return record.timestamp();
    }
    return -1;
  }

  private static Attributes processAttributes(ConsumerRecord<?, ?> record, @Nullable ConsumerInfo consumer) {
    AttributesBuilder attributes =
        Attributes.builder()
            .put(PARTITION, Integer.toString(record.partition()))
            .put(OFFSET, record.offset());
    String key = key(record.key());
    if (key != null) {
      attributes.put(KEY, key);
    }
    if (record.value() == null) {
      attributes.put(TOMBSTONE, true);
    }
    if (consumer != null) {
      attributes.putAll(consumer.attributes());
    }
    return attributes.build();
  }

  /**
   * The record key as a span attribute: a string, number or UUID as text; never bytes or an object whose
   * {@code toString} says nothing (as OpenTelemetry's instrumentation leaves out byte keys).
   */
  static @Nullable String key(@Nullable Object key) {
    if (key instanceof CharSequence || key instanceof Number || key instanceof UUID) {
      return key.toString();
    }
    return null;
  }

  /**
   * {@code record} ready to carry this send's headers: the record itself with any header of ours from an
   * earlier send removed, or, when its headers are read-only (the record was sent before), a copy with fresh
   * headers holding all of the application's own.
   */
  <K, V> ProducerRecord<K, V> writable(ProducerRecord<K, V> record) {
    Headers headers = record.headers();
    List<String> stale = new ArrayList<>(2);
    for (Header header : headers) {
      if (isOwn(header.key())) {
        stale.add(header.key());
      }
    }
    try {
      headers.remove(MessagingHandler.ENQUEUED_AT_HEADER); // fails when read-only, even when absent
      stale.forEach(headers::remove);
      return record;
    } catch (RuntimeException readOnly) {
      List<Header> fresh = new ArrayList<>();
      for (Header header : headers) {
        if (!isOwn(header.key())) {
          fresh.add(header);
        }
      }
      return new ProducerRecord<>(
          record.topic(), record.partition(), record.timestamp(), record.key(), record.value(), fresh);
    }
  }

  private boolean isOwn(String header) {
    String name = header.toLowerCase(Locale.ROOT);
    return ownHeaders.contains(name) || name.startsWith(JAEGER_BAGGAGE_PREFIX);
  }

  /** The client id of a producer or consumer, read as OpenTelemetry does: the tag of its metrics. */
  static @Nullable String clientId(Map<MetricName, ? extends Metric> metrics) {
    try {
      for (MetricName name : metrics.keySet()) {
        String id = name.tags().get("client-id");
        if (id != null) {
          return id;
        }
      }
    } catch (RuntimeException ignored) {
      // a client that cannot list its metrics has no client id here
    }
    return null;
  }

  /** What a wrapped consumer adds to the spans of its records: consumer group and client id. */
  static final class ConsumerInfo {
    private final Attributes attributes;

    ConsumerInfo(@Nullable String group, @Nullable String clientId) {
      AttributesBuilder builder = Attributes.builder();
      if (group != null) {
        builder.put(CONSUMER_GROUP, group);
      }
      if (clientId != null) {
        builder.put(CLIENT_ID, clientId);
      }
      this.attributes = builder.build();
    }

    Attributes attributes() {
      return attributes;
    }
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
