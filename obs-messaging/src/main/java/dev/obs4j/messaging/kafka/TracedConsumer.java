/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.SubscriptionPattern;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka {@link Consumer} that records each record's queue time when {@code poll} hands it over (the
 * broker's append time when the topic keeps one, else the enqueue-time header, else the create time), and
 * tells {@link ObsKafka#process} so (which then does not record it again) along with its consumer group and
 * client id; with receive spans on, a span per poll that returned records.
 */
final class TracedConsumer<K, V> implements Consumer<K, V> {
  private final Consumer<K, V> delegate;
  private final ObsKafka kafka;
  /** Read at the first poll that returned records (the group is known once polling); then fixed. */
  private volatile ObsKafka.@Nullable ConsumerInfo info;

  TracedConsumer(Consumer<K, V> delegate, ObsKafka kafka) {
    this.delegate = delegate;
    this.kafka = kafka;
  }

  @Override
  public ConsumerRecords<K, V> poll(Duration timeout) {
    long start = System.nanoTime();
    ConsumerRecords<K, V> records = delegate.poll(timeout);
    if (!records.isEmpty()) {
      try {
        kafka.polled(records, info(), start);
      } catch (RuntimeException ignored) {
        // never fail the poll because of observability
      }
    }
    return records;
  }

  private ObsKafka.ConsumerInfo info() {
    ObsKafka.ConsumerInfo known = info;
    if (known == null) {
      String group = null;
      try {
        group = delegate.groupMetadata().groupId();
      } catch (RuntimeException noGroup) {
        // a consumer without group.id has no group to report
      }
      known = new ObsKafka.ConsumerInfo(group, ObsKafka.clientId(delegate.metrics()));
      info = known;
    }
    return known;
  }

  @Override
  public void assign(Collection<TopicPartition> p0) {
    delegate.assign(p0);
  }

  @Override
  public Set<TopicPartition> assignment() {
    return delegate.assignment();
  }

  @Override
  public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> p0, Duration p1) {
    return delegate.beginningOffsets(p0, p1);
  }

  @Override
  public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> p0) {
    return delegate.beginningOffsets(p0);
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
  @Deprecated
  @SuppressWarnings("deprecation")
  public void close(Duration p0) {
    delegate.close(p0);
  }

  @Override
  public void close(CloseOptions p0) {
    delegate.close(p0);
  }

  @Override
  public void commitAsync() {
    commitAsync((OffsetCommitCallback) null);
  }

  @Override
  public void commitAsync(Map<TopicPartition, OffsetAndMetadata> p0, OffsetCommitCallback p1) {
    delegate.commitAsync(p0, timed(p1));
  }

  @Override
  public void commitAsync(@Nullable OffsetCommitCallback p0) {
    delegate.commitAsync(timed(p0));
  }

  @Override
  public void commitSync() {
    commitSync(() -> delegate.commitSync(), null);
  }

  @Override
  public void commitSync(Duration p0) {
    commitSync(() -> delegate.commitSync(p0), null);
  }

  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> p0, Duration p1) {
    commitSync(() -> delegate.commitSync(p0, p1), p0.keySet());
  }

  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> p0) {
    commitSync(() -> delegate.commitSync(p0), p0.keySet());
  }

  /**
   * Runs one synchronous commit and records it as a settle operation, for the topic of {@code partitions} (the
   * consumer's assignment when the commit names none: it commits the consumed offsets of every one).
   */
  private void commitSync(Runnable commit, @Nullable Collection<TopicPartition> partitions) {
    long start = System.nanoTime();
    try {
      commit.run();
    } catch (RuntimeException e) {
      committed(partitions, start, e);
      throw e;
    }
    committed(partitions, start, null);
  }

  /** The callback, wrapped so that the commit is recorded when the broker answers, then run as it was. */
  private OffsetCommitCallback timed(@Nullable OffsetCommitCallback callback) {
    long start = System.nanoTime();
    return (offsets, exception) -> {
      committed(offsets == null ? null : offsets.keySet(), start, exception);
      if (callback != null) {
        callback.onComplete(offsets, exception);
      }
    };
  }

  private void committed(@Nullable Collection<TopicPartition> partitions, long start, @Nullable Exception error) {
    try {
      kafka.committed(partitions != null ? partitions : delegate.assignment(), start, error);
    } catch (RuntimeException ignored) {
      // never fail the commit because of observability
    }
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> p0, Duration p1) {
    return delegate.committed(p0, p1);
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> p0) {
    return delegate.committed(p0);
  }

  @Override
  public OptionalLong currentLag(TopicPartition p0) {
    return delegate.currentLag(p0);
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> p0, Duration p1) {
    return delegate.endOffsets(p0, p1);
  }

  @Override
  public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> p0) {
    return delegate.endOffsets(p0);
  }

  @Override
  public void enforceRebalance() {
    delegate.enforceRebalance();
  }

  @Override
  public void enforceRebalance(String p0) {
    delegate.enforceRebalance(p0);
  }

  @Override
  public ConsumerGroupMetadata groupMetadata() {
    return delegate.groupMetadata();
  }

  @Override
  public Map<String, List<PartitionInfo>> listTopics() {
    return delegate.listTopics();
  }

  @Override
  public Map<String, List<PartitionInfo>> listTopics(Duration p0) {
    return delegate.listTopics(p0);
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return delegate.metrics();
  }

  @Override
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> p0, Duration p1) {
    return delegate.offsetsForTimes(p0, p1);
  }

  @Override
  public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> p0) {
    return delegate.offsetsForTimes(p0);
  }

  @Override
  public List<PartitionInfo> partitionsFor(String p0, Duration p1) {
    return delegate.partitionsFor(p0, p1);
  }

  @Override
  public List<PartitionInfo> partitionsFor(String p0) {
    return delegate.partitionsFor(p0);
  }

  @Override
  public void pause(Collection<TopicPartition> p0) {
    delegate.pause(p0);
  }

  @Override
  public Set<TopicPartition> paused() {
    return delegate.paused();
  }

  @Override
  public long position(TopicPartition p0, Duration p1) {
    return delegate.position(p0, p1);
  }

  @Override
  public long position(TopicPartition p0) {
    return delegate.position(p0);
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric p0) {
    delegate.registerMetricForSubscription(p0);
  }

  @Override
  public void resume(Collection<TopicPartition> p0) {
    delegate.resume(p0);
  }

  @Override
  public void seekToBeginning(Collection<TopicPartition> p0) {
    delegate.seekToBeginning(p0);
  }

  @Override
  public void seekToEnd(Collection<TopicPartition> p0) {
    delegate.seekToEnd(p0);
  }

  @Override
  public void seek(TopicPartition p0, OffsetAndMetadata p1) {
    delegate.seek(p0, p1);
  }

  @Override
  public void seek(TopicPartition p0, long p1) {
    delegate.seek(p0, p1);
  }

  @Override
  public void subscribe(Pattern p0, ConsumerRebalanceListener p1) {
    delegate.subscribe(p0, p1);
  }

  @Override
  public void subscribe(Pattern p0) {
    delegate.subscribe(p0);
  }

  @Override
  public void subscribe(SubscriptionPattern p0, ConsumerRebalanceListener p1) {
    delegate.subscribe(p0, p1);
  }

  @Override
  public void subscribe(SubscriptionPattern p0) {
    delegate.subscribe(p0);
  }

  @Override
  public void subscribe(Collection<String> p0, ConsumerRebalanceListener p1) {
    delegate.subscribe(p0, p1);
  }

  @Override
  public void subscribe(Collection<String> p0) {
    delegate.subscribe(p0);
  }

  @Override
  public Set<String> subscription() {
    return delegate.subscription();
  }

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric p0) {
    delegate.unregisterMetricFromSubscription(p0);
  }

  @Override
  public void unsubscribe() {
    delegate.unsubscribe();
  }

  @Override
  public void wakeup() {
    delegate.wakeup();
  }
}
