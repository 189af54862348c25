/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

/**
 * The channel that carries new orders from the orders service to the worker: the in-JVM queue by default,
 * or a Kafka topic or RabbitMQ queue named {@code orders}. Each side is traced by its own part's obs4j
 * handle, so the trace crosses the queue and the queue metrics carry each part's service.
 */
interface OrderQueue extends AutoCloseable {
  /** The destination name in spans and metrics. */
  String NAME = "orders";

  /**
   * Publishes the id of a new order. Returns false when the queue did not take it (the enqueue error is
   * counted by obs4j; the order stays NEW for a later retry).
   */
  boolean publish(long orderId);

  /** Starts delivering ids to {@code worker} on a thread of the queue's own. */
  void consume(Worker.Handler worker);

  /** Stops consuming; the in-JVM queue first gives queued orders up to {@code drainMillis} to finish. */
  void stopConsuming(long drainMillis);

  /**
   * Throws when the broker cannot be reached now (for readiness); the client reconnects by itself, so this
   * only looks. The in-JVM queue is always there.
   */
  void checkReachable() throws Exception;

  /** Releases the broker connections. */
  @Override
  void close();
}
