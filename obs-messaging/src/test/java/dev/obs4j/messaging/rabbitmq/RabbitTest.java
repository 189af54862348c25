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
      // tag::rabbitmq[]
      // tag::rabbitmq-create[]
      ObsRabbit rabbit = ObsRabbit.create(service.messaging);
      // end::rabbitmq-create[]
      Connection connection = factory.newConnection();
      try {
        // tag::rabbitmq-use[]
        Channel channel = rabbit.wrap(connection.createChannel()); // publish and consume as usual
        // end::rabbitmq[]
        channel.queueDeclare("orders", false, false, false, null);
        channel.confirmSelect();

        service.obs.inSpan("POST /orders", SpanKind.SERVER, () -> {
          channel.basicPublish("", "orders", null, "order-1".getBytes(StandardCharsets.UTF_8));
          return null;
        });
        channel.waitForConfirmsOrDie(10_000);
        // end::rabbitmq-use[]
        Thread.sleep(500); // the consumer starts late
        // tag::rabbitmq-use[]
        CompletableFuture<String> delivered = new CompletableFuture<>();
        channel.basicConsume("orders", true,
            (tag, delivery) -> delivered.complete(new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
        // end::rabbitmq-use[]
        assertThat(delivered.get(10, TimeUnit.SECONDS)).isEqualTo("order-1");

        service.assertOneTrace("orders");
        Timer queueTime = service.timer("messaging.queue.time", SYSTEM, "orders", "success");
        assertThat(queueTime.count()).isEqualTo(1);
        assertThat(queueTime.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(500);
        assertThat(service.sends(SYSTEM, "orders", "success")).isEqualTo(1);
        assertThat(service.count("messaging.process.duration", SYSTEM, "orders", "success")).isEqualTo(1);

        // A message as a jaeger-client service publishes it: uber-trace-id and uberctx- baggage headers,
        // through an unwrapped channel, read back through the real AMQP headers table.
        Channel raw = connection.createChannel();
        raw.queueDeclare("jaeger-orders", false, false, false, null);
        raw.basicPublish("", "jaeger-orders",
            new AMQP.BasicProperties.Builder().headers(java.util.Map.of(
                "uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
                "uberctx-user.id", "bob")).build(),
            "order-9".getBytes(StandardCharsets.UTF_8));
        service.spans.reset();
        CompletableFuture<String> jaegerDelivered = new CompletableFuture<>();
        channel.basicConsume("jaeger-orders", true,
            (tag, delivery) -> jaegerDelivered.complete(new String(delivery.getBody(), StandardCharsets.UTF_8)), tag -> { });
        assertThat(jaegerDelivered.get(10, TimeUnit.SECONDS)).isEqualTo("order-9");
        io.opentelemetry.sdk.trace.data.SpanData consumed = service.await(SpanKind.CONSUMER, 1).stream()
            .filter(s -> s.getKind() == SpanKind.CONSUMER).findFirst().orElseThrow();
        assertThat(consumed.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(consumed.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("enduser.id")))
            .isEqualTo("bob");

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
        // Published through the unwrapped channel: a consumer that throws makes the client close its channel
        // (StrictExceptionHandler), and a publish still awaiting its confirm there would rightly end as an
        // enqueue error too, depending on whether the ack or the close came first.
        raw.basicPublish("", "audit", null, "a".getBytes(StandardCharsets.UTF_8));
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
        assertThat(service.sends(SYSTEM, "orders", "failure")).isEqualTo(1);
        assertThat(service.spans.getFinishedSpanItems()).filteredOn(s -> s.getKind() == SpanKind.PRODUCER
            && s.getStatus().getStatusCode() == StatusCode.ERROR).hasSize(1);
      } finally {
        connection.abort(); // never throws, even when the broker already closed it
      }
    }
  }
}
