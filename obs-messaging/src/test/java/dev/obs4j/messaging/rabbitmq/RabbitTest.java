/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.obs4j.messaging.Recorder;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The RabbitMQ adapter against a real RabbitMQ started for this test. */
class RabbitTest {
  private static final String SYSTEM = ObsRabbit.SYSTEM;

  @Test
  void publishInARequest_consumedLate_oneTrace_queueTime_confirms_andAStoppedBrokerCountsAnEnqueueError()
      throws Exception {
    try (RabbitBroker broker = new RabbitBroker(); Recorder service = new Recorder("orders")) {
      ConnectionFactory factory = new ConnectionFactory();
      factory.setHost("127.0.0.1");
      factory.setPort(broker.port());
      factory.setAutomaticRecoveryEnabled(false);
      ObsRabbit rabbit = ObsRabbit.create(service.messaging);
      Connection connection = factory.newConnection();
      try {
        Channel channel = rabbit.wrap(connection.createChannel());
        channel.queueDeclare("orders", false, false, false, null);
        channel.confirmSelect();

        service.obs.inSpan("POST /orders", SpanKind.SERVER, () -> {
          channel.basicPublish("", "orders", null, "order-1".getBytes(StandardCharsets.UTF_8));
          return null;
        });
        channel.waitForConfirmsOrDie(10_000);
        Thread.sleep(500); // the consumer starts late
        CompletableFuture<String> delivered = new CompletableFuture<>();
        channel.basicConsume("orders", true,
            (tag, delivery) -> delivered.complete(new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
        assertThat(delivered.get(10, TimeUnit.SECONDS)).isEqualTo("order-1");

        service.assertOneTrace("orders");
        Timer queueTime = service.timer("messaging.queue.time", SYSTEM, "orders", "success");
        assertThat(queueTime.count()).isEqualTo(1);
        assertThat(queueTime.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(500);
        assertThat(service.count("messaging.publish.duration", SYSTEM, "orders", "success")).isEqualTo(1);
        assertThat(service.count("messaging.process.duration", SYSTEM, "orders", "success")).isEqualTo(1);

        // A classic Consumer, whose handler fails: recorded as a processing error.
        channel.queueDeclare("audit", false, false, false, null);
        CompletableFuture<Void> failed = new CompletableFuture<>();
        channel.basicConsume("audit", true, new DefaultConsumer(channel) {
          @Override
          public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
            failed.complete(null);
            throw new IllegalStateException("audit down");
          }
        });
        channel.basicPublish("", "audit", null, "a".getBytes(StandardCharsets.UTF_8));
        failed.get(10, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (service.count("messaging.process.duration", SYSTEM, "audit", "failure") == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(service.count("messaging.process.duration", SYSTEM, "audit", "failure")).isEqualTo(1);

        // The broker goes away: the publish fails fast and counts an enqueue error.
        broker.stop();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (connection.isOpen() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        long start = System.nanoTime();
        assertThatThrownBy(() -> channel.basicPublish("", "orders", null, "order-2".getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(com.rabbitmq.client.AlreadyClosedException.class);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
        assertThat(service.count("messaging.publish.duration", SYSTEM, "orders", "failure")).isEqualTo(1);
        assertThat(service.spans.getFinishedSpanItems()).filteredOn(s -> s.getKind() == SpanKind.PRODUCER
            && s.getStatus().getStatusCode() == StatusCode.ERROR).hasSize(1);
      } finally {
        connection.abort(); // never throws, even when the broker already closed it
      }
    }
  }
}
