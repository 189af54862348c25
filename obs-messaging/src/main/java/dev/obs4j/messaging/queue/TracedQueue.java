/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.queue;

import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.messaging.MessageHandler;
import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.ObsMessaging;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An in-JVM queue whose messages carry their trace across threads, with the same spans and queue metrics
 * as a broker's: publish is a PRODUCER span and an enqueue (failing when the queue stays full), receive
 * records the queue time, and processing runs in a CONSUMER span that continues the producer's trace.
 *
 * <pre>{@code
 * TracedQueue<Order> orders = TracedQueue.create(messaging, "orders", new ArrayBlockingQueue<>(1000));
 * orders.publish(order, Duration.ofMillis(100));                      // in a request
 * orders.consume(Duration.ofSeconds(1), order -> ship(order));         // in a worker loop
 * }</pre>
 *
 * @param <T> the payload
 */
public final class TracedQueue<T> {
  private static final HeaderGetter<Map<String, String>> HEADERS = HeaderGetter.of(Map::get, Map::keySet);

  /** {@code messaging.system} of in-JVM queues. */
  public static final String SYSTEM = "jvm_queue";

  private final MessagingHandler handler;
  private final String name;
  private final BlockingQueue<Envelope<T>> queue;

  private TracedQueue(ObsMessaging messaging, String name, BlockingQueue<Envelope<T>> queue) {
    this.handler = messaging.handler();
    this.name = Objects.requireNonNull(name, "name");
    this.queue = Objects.requireNonNull(queue, "queue");
  }

  /** A traced queue called {@code name} (its destination in spans and metrics) over {@code queue}. */
  public static <T> TracedQueue<T> create(ObsMessaging messaging, String name, BlockingQueue<Envelope<T>> queue) {
    return new TracedQueue<>(messaging, name, queue);
  }

  /**
   * Enqueues {@code payload}, waiting at most {@code timeout} for room. Returns false when the queue stayed
   * full: the message is not enqueued, which counts as an enqueue error (the caller decides about retries).
   */
  public boolean publish(T payload, Duration timeout) throws InterruptedException {
    Map<String, String> headers = new HashMap<>();
    MessagingHandler.Publish publish = handler.startPublish(SYSTEM, name, headers, Map::put);
    boolean enqueued;
    try (Scope ignored = publish.operation().context().makeCurrent()) {
      enqueued = queue.offer(new Envelope<>(payload, headers), timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException | RuntimeException e) {
      handler.endPublish(publish, e, false);
      throw e;
    }
    handler.endPublish(publish, enqueued ? null : new QueueFullException(name, timeout), true);
    return enqueued;
  }

  /** Takes the next message, waiting at most {@code timeout}, and records its queue time; null if none came. */
  public @Nullable Envelope<T> poll(Duration timeout) throws InterruptedException {
    Envelope<T> envelope = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (envelope != null) {
      handler.queueTime(SYSTEM, name, -1, HEADERS, envelope.headers());
    }
    return envelope;
  }

  /** Runs {@code code} on a received message inside its CONSUMER span; errors are recorded and rethrown. */
  public <E extends Exception> void process(Envelope<T> envelope, MessageHandler<? super T, E> code) throws E {
    MessagingHandler.Process process =
        handler.startProcess(
            SYSTEM, name, envelope.headers(), HEADERS, -1, false);
    handler.run(process, () -> code.handle(envelope.payload()));
  }

  /** Polls for one message (at most {@code timeout}) and processes it; returns whether one came. */
  public <E extends Exception> boolean consume(Duration timeout, MessageHandler<? super T, E> code)
      throws E, InterruptedException {
    Envelope<T> envelope = poll(timeout);
    if (envelope == null) {
      return false;
    }
    process(envelope, code);
    return true;
  }

  /** Messages waiting. */
  public int size() {
    return queue.size();
  }

  /** The queue's name. */
  public String name() {
    return name;
  }

  /** A publish that found the queue full for its whole timeout. */
  public static final class QueueFullException extends Exception {
    private static final long serialVersionUID = 1L;

    QueueFullException(String queue, Duration timeout) {
      super("queue " + queue + " stayed full for " + timeout.toMillis() + " ms");
    }
  }
}
