/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import dev.obs4j.trace.HeaderGetter;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.GetResponse;
import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.ObsMessaging;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The RabbitMQ adapter: a traced {@link Channel} whose {@code basicPublish} is a PRODUCER span (trace context
 * and enqueue time in the headers; with publisher confirms on, timed until the broker acks, a nack counted
 * as an enqueue error) and whose {@code basicConsume} runs every delivery, to a {@code DeliverCallback} or a
 * {@code Consumer}, in a CONSUMER span that continues the producer's trace and records the queue time.
 *
 * <pre>{@code
 * Channel channel = ObsRabbit.create(ObsMessaging.create(obs)).wrap(connection.createChannel());
 * channel.confirmSelect();                        // optional: time publishes until the broker confirms
 * channel.basicPublish("", "orders", null, body);
 * channel.basicConsume("orders", true, (tag, delivery) -> ship(delivery.getBody()), tag -> {});
 * }</pre>
 */
public final class ObsRabbit {
  /** Reads a delivery's headers, listing their names so that Jaeger's {@code uberctx-*} baggage is found. */
  static final HeaderGetter<Map<String, Object>> HEADERS = HeaderGetter.of(ObsRabbit::header, Map::keySet);

  /** {@code messaging.system} of RabbitMQ. */
  public static final String SYSTEM = "rabbitmq";

  private final MessagingHandler handler;
  /**
   * The wrapper of each channel this adapter wrapped, so that wrapping a channel again returns it rather than
   * adding listeners to the channel each time. Weak both ways: the entry goes with the channel.
   */
  private final Map<Channel, WeakReference<TracedChannel>> wrapped = new WeakHashMap<>();

  private ObsRabbit(ObsMessaging messaging) {
    this.handler = messaging.handler();
  }

  /** The RabbitMQ adapter over {@code messaging}. */
  public static ObsRabbit create(ObsMessaging messaging) {
    return new ObsRabbit(Objects.requireNonNull(messaging, "messaging"));
  }

  /**
   * A channel whose publishes and consumers are traced. Wrapping the same channel again returns the same
   * wrapper.
   */
  public Channel wrap(Channel channel) {
    Objects.requireNonNull(channel, "channel");
    if (channel instanceof TracedChannel) {
      return channel;
    }
    synchronized (wrapped) {
      WeakReference<TracedChannel> ref = wrapped.get(channel);
      TracedChannel traced = ref == null ? null : ref.get();
      if (traced == null) {
        traced = new TracedChannel(channel, handler);
        wrapped.put(channel, new WeakReference<>(traced));
      }
      return traced;
    }
  }

  /** {@code messaging.rabbitmq.destination.routing_key}: the routing key a message was published with. */
  static final AttributeKey<String> ROUTING_KEY = AttributeKey.stringKey("messaging.rabbitmq.destination.routing_key");
  /** {@code messaging.rabbitmq.message.delivery_tag}: a delivery's tag on its channel. */
  static final AttributeKey<Long> DELIVERY_TAG = AttributeKey.longKey("messaging.rabbitmq.message.delivery_tag");

  /** {@code messaging.destination.temporary}: set on the spans of direct reply-to publishes and consumers. */
  static final AttributeKey<Boolean> TEMPORARY = AttributeKey.booleanKey("messaging.destination.temporary");
  /** {@code messaging.destination.anonymous}: set on the spans of server-named queues ({@code amq.gen-*}). */
  static final AttributeKey<Boolean> ANONYMOUS = AttributeKey.booleanKey("messaging.destination.anonymous");
  static final String TEMPORARY_NAME = "(temporary)";
  static final String ANONYMOUS_NAME = "(anonymous)";
  private static final String REPLY_TO = "amq.rabbitmq.reply-to";

  /**
   * The destination of a publish, as its span name and meters show it: the exchange, or for the default
   * exchange the queue the routing key names, where a direct reply-to key ({@code amq.rabbitmq.reply-to.*},
   * one per requesting channel) is {@value #TEMPORARY_NAME} and a server-named queue ({@code amq.gen-*}) is
   * {@value #ANONYMOUS_NAME}, as OpenTelemetry names them, so that request/reply traffic makes a bounded set
   * of span names and series. The routing key itself stays on the span as an attribute.
   */
  static String publishDestination(String exchange, String routingKey) {
    return exchange.isEmpty() ? queueDestination(routingKey) : exchange;
  }

  /** The destination of a queue consumed from: its name, or a placeholder as for {@link #publishDestination}. */
  static String queueDestination(String queue) {
    if (queue.startsWith(REPLY_TO)) {
      return TEMPORARY_NAME;
    }
    if (queue.isEmpty() || queue.startsWith("amq.gen-")) { // "": the channel's last declared (server-named) queue
      return ANONYMOUS_NAME;
    }
    return queue;
  }

  /** {@code attributes} with the flag that {@code destination}, a name from {@link #queueDestination}, calls for. */
  static Attributes withDestinationFlags(Attributes attributes, String destination) {
    if (destination.equals(TEMPORARY_NAME)) {
      return attributes.toBuilder().put(TEMPORARY, true).build();
    }
    if (destination.equals(ANONYMOUS_NAME)) {
      return attributes.toBuilder().put(ANONYMOUS, true).build();
    }
    return attributes;
  }

  /** Runs {@code delivery}, a message delivered from {@code queue}, in its CONSUMER span. */
  static void process(
      MessagingHandler handler, String queue, Attributes peer, @Nullable Envelope envelope,
      AMQP.@Nullable BasicProperties properties, MessagingHandler.Body<IOException> delivery) throws IOException {
    Map<String, Object> headers = headers(properties);
    String destination = queueDestination(queue);
    MessagingHandler.Process process =
        handler.startProcess(SYSTEM, destination, headers, HEADERS, timestamp(headers, properties), true,
            withDestinationFlags(attributes(peer, envelope), destination));
    handler.run(process, delivery);
  }

  /** Records a {@code basicGet} from {@code queue} that began at {@code startNanos}: its receive span. */
  static void received(
      MessagingHandler handler, String queue, Attributes peer, long startNanos, @Nullable GetResponse response,
      @Nullable Throwable error) {
    try {
      Map<String, Object> headers = response == null ? null : headers(response.getProps());
      String destination = queueDestination(queue);
      Attributes attributes = attributes(peer, response == null ? null : response.getEnvelope());
      handler.received(SYSTEM, destination, withDestinationFlags(attributes, destination), startNanos,
          headers, HEADERS, response == null ? -1 : timestamp(headers, response.getProps()), error);
    } catch (RuntimeException ignored) {
      // never fail the application's basicGet because of observability
    }
  }

  private static Map<String, Object> headers(AMQP.@Nullable BasicProperties properties) {
    return properties == null || properties.getHeaders() == null ? Map.of() : properties.getHeaders();
  }

  /** RabbitMQ keeps no broker time: the enqueue-time header decides, else the publisher's AMQP timestamp. */
  private static long timestamp(Map<String, Object> headers, AMQP.@Nullable BasicProperties properties) {
    if (headers.get(MessagingHandler.ENQUEUED_AT_HEADER) == null && properties != null
        && properties.getTimestamp() != null) {
      return properties.getTimestamp().getTime();
    }
    return -1;
  }

  private static Attributes attributes(Attributes peer, @Nullable Envelope envelope) {
    if (envelope == null) {
      return peer;
    }
    AttributesBuilder builder = peer.toBuilder().put(DELIVERY_TAG, envelope.getDeliveryTag());
    String routingKey = envelope.getRoutingKey();
    if (routingKey != null && !routingKey.isEmpty()) {
      builder.put(ROUTING_KEY, routingKey);
    }
    return builder.build();
  }

  /**
   * AMQP header values arrive as LongString from most clients, as a byte array from some, or as anything
   * else a publisher put there; the bytes are read as UTF-8 (a byte array's toString is its identity).
   */
  static @Nullable String header(Map<String, Object> headers, String name) {
    Object value = headers.get(name);
    if (value instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return value == null ? null : value.toString();
  }
}
