/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Consumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.obs4j.messaging.MessagingHandler;
import java.io.IOException;

/** A RabbitMQ {@link Consumer} whose deliveries are each handled in a CONSUMER span. */
final class TracedConsumer implements Consumer {
  private final Consumer delegate;
  private final MessagingHandler handler;
  private final String queue;
  private final TracedChannel channel;

  TracedConsumer(Consumer delegate, MessagingHandler handler, String queue, TracedChannel channel) {
    this.delegate = delegate;
    this.handler = handler;
    this.queue = queue;
    this.channel = channel;
  }

  @Override
  public void handleDelivery(String consumerTag, Envelope envelope, AMQP.BasicProperties properties, byte[] body)
      throws IOException {
    channel.delivered(envelope, queue);
    ObsRabbit.process(handler, queue, channel.peer(), envelope, properties,
        () -> delegate.handleDelivery(consumerTag, envelope, properties, body));
  }

  @Override
  public void handleConsumeOk(String consumerTag) {
    delegate.handleConsumeOk(consumerTag);
  }

  @Override
  public void handleCancelOk(String consumerTag) {
    delegate.handleCancelOk(consumerTag);
  }

  @Override
  public void handleCancel(String consumerTag) throws IOException {
    delegate.handleCancel(consumerTag);
  }

  @Override
  public void handleShutdownSignal(String consumerTag, ShutdownSignalException sig) {
    delegate.handleShutdownSignal(consumerTag, sig);
  }

  @Override
  public void handleRecoverOk(String consumerTag) {
    delegate.handleRecoverOk(consumerTag);
  }
}
