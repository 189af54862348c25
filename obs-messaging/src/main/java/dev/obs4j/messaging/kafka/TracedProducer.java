/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import dev.obs4j.ObsContext;
import dev.obs4j.messaging.MessagingHandler;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka {@link Producer} whose sends are PRODUCER spans with the trace context and the enqueue time in the
 * record headers; the publish duration runs until the broker acknowledges (the send callback). A record sent
 * before (its headers read-only) is sent as a copy with fresh headers, so that each send carries its own
 * trace and enqueue time. The application's callback runs in the context that was current at the send.
 */
final class TracedProducer<K, V> implements Producer<K, V> {
  private final Producer<K, V> delegate;
  private final ObsKafka kafka;
  private final MessagingHandler handler;
  /** Read from the client's metrics at the first send; null until then, or when it has none. */
  private volatile @Nullable Attributes clientId;

  TracedProducer(Producer<K, V> delegate, ObsKafka kafka) {
    this.delegate = delegate;
    this.kafka = kafka;
    this.handler = kafka.handler();
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
    return send(record, null);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record, @Nullable Callback callback) {
    ProducerRecord<K, V> sent = kafka.writable(record);
    MessagingHandler.Publish publish =
        handler.startPublish(ObsKafka.SYSTEM, sent.topic(), sent, ObsKafka::setHeader, attributes(sent));
    // Captured before the publish span is made current: the callback sees the caller's context, as with
    // OpenTelemetry's instrumentation (the span, the business fields and the MDC of the thread that sent).
    InCallersContext inCallersContext = callback == null ? null : new InCallersContext(callback);
    AtomicBoolean ended = new AtomicBoolean(); // the client may call back and throw for the same failure
    try (Scope ignored = publish.operation().context().makeCurrent()) {
      return delegate.send(
          sent,
          (metadata, exception) -> {
            if (ended.compareAndSet(false, true)) {
              if (metadata != null && exception == null) {
                acknowledged(publish.operation().span(), metadata);
              }
              // The producer has retried already (up to delivery.timeout.ms): a failure here is final.
              handler.endPublish(publish, exception, false);
            }
            if (inCallersContext != null) {
              inCallersContext.complete(metadata, exception);
            }
          });
    } catch (RuntimeException e) {
      if (ended.compareAndSet(false, true)) {
        handler.endPublish(publish, e, false);
      }
      throw e;
    }
  }

  private Attributes attributes(ProducerRecord<K, V> record) {
    Attributes client = clientId;
    if (client == null) {
      String id = ObsKafka.clientId(delegate.metrics());
      client = id == null ? Attributes.empty() : Attributes.of(ObsKafka.CLIENT_ID, id);
      clientId = client;
    }
    String key = ObsKafka.key(record.key());
    if (key == null && record.value() != null && record.partition() == null) {
      return client;
    }
    AttributesBuilder attributes = client.toBuilder();
    if (key != null) {
      attributes.put(ObsKafka.KEY, key);
    }
    if (record.value() == null) {
      attributes.put(ObsKafka.TOMBSTONE, true);
    }
    if (record.partition() != null) {
      attributes.put(ObsKafka.PARTITION, record.partition().toString());
    }
    return attributes.build();
  }

  /** Where the broker put the record: known only once it acknowledged. */
  private static void acknowledged(Span span, RecordMetadata metadata) {
    if (!span.isRecording()) {
      return;
    }
    if (metadata.partition() >= 0) {
      span.setAttribute(ObsKafka.PARTITION, Integer.toString(metadata.partition()));
    }
    if (metadata.hasOffset()) {
      span.setAttribute(ObsKafka.OFFSET, metadata.offset());
    }
  }

  /** The application's callback, run in the context that was current when it sent. */
  private static final class InCallersContext implements Runnable {
    private final Callback callback;
    private final Runnable wrapped;
    private @Nullable RecordMetadata metadata;
    private @Nullable Exception exception;

    InCallersContext(Callback callback) {
      this.callback = callback;
      this.wrapped = ObsContext.wrap(this);
    }

    void complete(@Nullable RecordMetadata metadata, @Nullable Exception exception) {
      this.metadata = metadata;
      this.exception = exception;
      wrapped.run();
    }

    @Override
    public void run() {
      callback.onCompletion(metadata, exception);
    }
  }

  @Override
  public void abortTransaction() throws ProducerFencedException {
    delegate.abortTransaction();
  }

  @Override
  public void beginTransaction() throws ProducerFencedException {
    delegate.beginTransaction();
  }

  @Override
  public Uuid clientInstanceId(Duration p0) {
    return delegate.clientInstanceId(p0);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public void close(Duration p0) {
    delegate.close(p0);
  }

  @Override
  public void commitTransaction() throws ProducerFencedException {
    delegate.commitTransaction();
  }

  @Override
  public void flush() {
    delegate.flush();
  }

  @Override
  public void initTransactions() {
    delegate.initTransactions();
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return delegate.metrics();
  }

  @Override
  public List<PartitionInfo> partitionsFor(String p0) {
    return delegate.partitionsFor(p0);
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric p0) {
    delegate.registerMetricForSubscription(p0);
  }

  @Override
  public void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> p0, ConsumerGroupMetadata p1) throws ProducerFencedException {
    delegate.sendOffsetsToTransaction(p0, p1);
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric p0) {
    delegate.unregisterMetricFromSubscription(p0);
  }
}
