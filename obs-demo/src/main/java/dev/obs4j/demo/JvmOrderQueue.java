/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.queue.Envelope;
import dev.obs4j.messaging.queue.TracedQueue;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Orders through a bounded in-JVM queue: the orders side and the worker side each trace their end. */
final class JvmOrderQueue implements OrderQueue {
  private static final Logger log = LoggerFactory.getLogger(JvmOrderQueue.class);

  private final TracedQueue<Long> publisher;
  private final TracedQueue<Long> consumer;
  private final Obs worker;
  private volatile boolean running;
  private volatile long drainUntil;
  private Thread thread = new Thread(() -> {});

  JvmOrderQueue(ObsMessaging orders, Obs worker, ObsMessaging workerMessaging, int capacity) {
    BlockingQueue<Envelope<Long>> queue = new ArrayBlockingQueue<>(capacity);
    this.publisher = TracedQueue.create(orders, NAME, queue);
    this.consumer = TracedQueue.create(workerMessaging, NAME, queue);
    this.worker = worker;
  }

  @Override
  public boolean publish(long orderId) {
    try {
      return publisher.publish(orderId, Duration.ofMillis(100));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Override
  public void consume(Worker.Handler handler) {
    running = true;
    thread =
        new Thread(
            () -> {
              try (Scope ignored = worker.serviceScope()) {
                while (running || (consumer.size() > 0 && System.currentTimeMillis() < drainUntil)) {
                  try {
                    consumer.consume(Duration.ofMillis(200), handler::handle);
                  } catch (InterruptedException e) {
                    return;
                  } catch (Exception e) {
                    // obs4j logged it with the trace id and counted it; the worker goes on with the next one
                  }
                }
                if (consumer.size() > 0) {
                  log.warn("worker stopped with {} orders still queued; they stay NEW in the database", consumer.size());
                }
              }
            },
            "worker-jvm-queue");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void stopConsuming(long drainMillis) {
    drainUntil = System.currentTimeMillis() + drainMillis;
    running = false;
    try {
      thread.join(drainMillis + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void checkReachable() {}

  @Override
  public void close() {}
}
