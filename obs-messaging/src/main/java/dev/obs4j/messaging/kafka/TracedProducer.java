/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import dev.obs4j.messaging.MessagingHandler;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
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
 * record headers; the publish duration runs until the broker acknowledges (the send callback).
 */
final class TracedProducer<K, V> implements Producer<K, V> {
  private final Producer<K, V> delegate;
  private final MessagingHandler handler;

  TracedProducer(Producer<K, V> delegate, MessagingHandler handler) {
    this.delegate = delegate;
    this.handler = handler;
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record) {
    return send(record, null);
  }

  @Override
  public Future<RecordMetadata> send(ProducerRecord<K, V> record, @Nullable Callback callback) {
    MessagingHandler.Publish publish =
        handler.startPublish(ObsKafka.SYSTEM, record.topic(), record, ObsKafka::setHeader);
    try (Scope ignored = publish.operation().context().makeCurrent()) {
      return delegate.send(
          record,
          (metadata, exception) -> {
            // The producer has retried already (up to delivery.timeout.ms): a failure here is final.
            handler.endPublish(publish, exception, false);
            if (callback != null) {
              callback.onCompletion(metadata, exception);
            }
          });
    } catch (RuntimeException e) {
      handler.endPublish(publish, e, false);
      throw e;
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
