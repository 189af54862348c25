/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging;

import dev.obs4j.Obs;
import java.util.Objects;

/**
 * Traces across message queues and the queue metrics, for any broker, over a header getter and setter:
 * {@link #handler()} is the shared producer/consumer handling the adapters use.
 *
 * <ul>
 *   <li>{@code messaging.client.operation.duration} (OpenTelemetry's): how long a send took (until the broker
 *       acknowledged, or until the send returned for fire-and-forget), a receive ({@code basicGet}) or a
 *       settle; with {@code messaging.operation.type="send"} its count is the enqueue rate, and its failures
 *       ({@code error.type} set, {@code outcome=failure}) the enqueue errors;
 *   <li>{@code messaging.queue.time}: how long a message stayed in the queue (receive time minus the enqueue
 *       time stamped into its headers at publish, or the broker's own timestamp where it has one);
 *   <li>{@code messaging.process.duration} (OpenTelemetry's): consumer processing time and errors;
 *   <li>{@code messaging.process.active}: messages being processed now; {@code messaging.receive.untraced}:
 *       messages that arrived without (or with malformed) trace headers.
 * </ul>
 *
 * Tags: {@code messaging.system}, {@code messaging.destination.name} (the queue or topic, never an id),
 * {@code messaging.operation.type}, {@code messaging.operation.name}, {@code error.type} (empty on success)
 * and {@code outcome}; exemplars link them to the traces.
 *
 * <pre>{@code
 * ObsMessaging messaging = ObsMessaging.create(obs);
 * TracedQueue<Order> orders = TracedQueue.create(messaging, "orders", new ArrayBlockingQueue<>(1000));
 * }</pre>
 */
public final class ObsMessaging {
  private final MessagingHandler handler;

  private ObsMessaging(Builder builder) {
    this.handler = new MessagingHandler(builder.obs, builder.linkConsumers);
  }

  /** Messaging instrumentation with the defaults: a consumer span is the child of the producer span. */
  public static ObsMessaging create(Obs obs) {
    return builder(obs).build();
  }

  /** Starts configuring messaging instrumentation. */
  public static Builder builder(Obs obs) {
    return new Builder(obs);
  }

  /** The shared producer and consumer handling. */
  public MessagingHandler handler() {
    return handler;
  }

  /** Configures {@link ObsMessaging}. */
  public static final class Builder {
    private final Obs obs;
    private boolean linkConsumers;

    private Builder(Obs obs) {
      this.obs = Objects.requireNonNull(obs, "obs");
    }

    /**
     * Starts each consumer span as a new trace with a link to the producer span, instead of as its child
     * (default false). Links suit batch consumers and long-lived queues whose traces would otherwise span
     * hours.
     */
    public Builder linkConsumers(boolean link) {
      this.linkConsumers = link;
      return this;
    }

    /** Builds the instrumentation. */
    public ObsMessaging build() {
      return new ObsMessaging(this);
    }
  }
}
