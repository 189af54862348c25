/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import dev.obs4j.Obs;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.rabbitmq.ObsRabbit;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Orders through the RabbitMQ queue {@code orders}, with publisher confirms, acked after processing. */
final class RabbitOrderQueue implements OrderQueue {
  private static final Logger log = LoggerFactory.getLogger(RabbitOrderQueue.class);

  private final Connection connection;
  private final Channel publishChannel;
  private final Channel consumeChannel;
  private final Obs worker;
  private volatile String consumerTag = "";

  RabbitOrderQueue(
      String hostPort, String user, String password, ObsMessaging orders, Obs worker, ObsMessaging workerMessaging)
      throws IOException, TimeoutException {
    int colon = hostPort.lastIndexOf(':');
    ConnectionFactory factory = new ConnectionFactory();
    factory.setHost(hostPort.substring(0, colon));
    factory.setPort(Integer.parseInt(hostPort.substring(colon + 1)));
    factory.setUsername(user);
    factory.setPassword(password);
    factory.setConnectionTimeout(5000);
    this.connection = factory.newConnection("obs-demo");
    try {
      this.publishChannel = ObsRabbit.create(orders).wrap(connection.createChannel());
      publishChannel.queueDeclare(NAME, true, false, false, null);
      publishChannel.confirmSelect(); // the publish duration then runs until the broker confirms
      this.consumeChannel = ObsRabbit.create(workerMessaging).wrap(connection.createChannel());
      consumeChannel.basicQos(16);
    } catch (IOException | RuntimeException e) {
      close(); // a part that retries every few seconds must not leave a connection behind each time
      throw e;
    }
    this.worker = worker;
  }

  @Override
  public boolean publish(long orderId) {
    byte[] body = Long.toString(orderId).getBytes(StandardCharsets.UTF_8);
    try {
      synchronized (publishChannel) { // a channel takes one publisher at a time
        publishChannel.basicPublish("", NAME, MessageProperties.PERSISTENT_TEXT_PLAIN, body);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      return false; // obs4j counted the enqueue error and logged it with the trace id
    }
  }

  @Override
  public void consume(Worker.Handler handler) {
    try (Scope ignored = worker.serviceScope()) {
      consumerTag =
          consumeChannel.basicConsume(
              NAME,
              false,
              (tag, delivery) -> {
                long id = Long.parseLong(new String(delivery.getBody(), StandardCharsets.UTF_8));
                try {
                  handler.handle(id);
                } catch (Exception e) {
                  // logged with the trace id and counted by obs4j; acked below so it is not redelivered forever
                }
                consumeChannel.basicAck(delivery.getEnvelope().getDeliveryTag(), false);
              },
              tag -> log.warn("RabbitMQ cancelled the worker's consumer {}", tag));
    } catch (IOException e) {
      throw new IllegalStateException("cannot consume RabbitMQ queue " + NAME + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void stopConsuming(long drainMillis) {
    try {
      if (!consumerTag.isEmpty() && consumeChannel.isOpen()) {
        consumeChannel.basicCancel(consumerTag);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cancelling the RabbitMQ consumer failed", e);
    }
  }

  @Override
  public void checkReachable() throws IOException {
    if (!connection.isOpen()) {
      // automatic recovery reconnects by itself; until then the connection says why it closed
      throw new IOException("the connection is closed (" + connection.getCloseReason() + "); reconnecting");
    }
  }

  @Override
  public void close() {
    try {
      connection.close(2000);
    } catch (IOException | RuntimeException e) {
      log.debug("closing the RabbitMQ connection failed", e);
    }
  }
}
