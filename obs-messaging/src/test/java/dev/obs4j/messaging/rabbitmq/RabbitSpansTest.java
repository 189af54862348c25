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
import com.rabbitmq.client.GetResponse;
import dev.obs4j.messaging.Recorder;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What users of OpenTelemetry's RabbitMQ instrumentation look for, against a real RabbitMQ: {@code basicGet}
 * receive spans; routing key, delivery tag and the broker's address on the spans, set as they start.
 */
class RabbitSpansTest {
  private static final String SYSTEM = ObsRabbit.SYSTEM;
  private static RabbitBroker broker;
  private static ConnectionFactory factory;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = new RabbitBroker();
    factory = new ConnectionFactory();
    factory.setHost("127.0.0.1");
    factory.setPort(broker.port());
    factory.setAutomaticRecoveryEnabled(false);
  }

  @AfterAll
  static void stopBroker() throws Exception {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void basicGet_isAReceiveSpanUnderTheCaller_linkedToTheProducer_withQueueTime_andNothingForAnEmptyQueue()
      throws Exception {
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      Channel channel = ObsRabbit.create(service.messaging).wrap(connection.createChannel());
      channel.queueDeclare("pull", false, false, false, null);
      service.obs.inSpan("POST /orders", SpanKind.SERVER, () -> {
        channel.basicPublish("", "pull", null, "order-1".getBytes(StandardCharsets.UTF_8));
        return null;
      });
      Thread.sleep(200); // the message waits in the queue

      GetResponse[] got = new GetResponse[2];
      service.obs.inSpan("GET /next", SpanKind.SERVER, () -> {
        got[0] = channel.basicGet("pull", true);
        got[1] = channel.basicGet("pull", true); // the queue is empty now
        return null;
      });
      assertThat(new String(got[0].getBody(), StandardCharsets.UTF_8)).isEqualTo("order-1");
      assertThat(got[1]).isNull();

      SpanData producer = service.await(SpanKind.PRODUCER, 1).get(0);
      SpanData caller = service.spans.getFinishedSpanItems().stream()
          .filter(s -> s.getName().equals("GET /next")).findFirst().orElseThrow();
      List<SpanData> receives = service.await(SpanKind.CONSUMER, 1);
      assertThat(receives).hasSize(1); // the empty basicGet made none
      SpanData receive = receives.get(0);
      assertThat(receive.getName()).isEqualTo("receive pull");
      assertThat(receive.getParentSpanId()).isEqualTo(caller.getSpanId());
      assertThat(receive.getLinks()).hasSize(1);
      assertThat(receive.getLinks().get(0).getSpanContext().getSpanId()).isEqualTo(producer.getSpanId());
      assertThat(receive.getStartEpochNanos()).isGreaterThanOrEqualTo(caller.getStartEpochNanos());
      assertThat(receive.getEndEpochNanos()).isLessThanOrEqualTo(caller.getEndEpochNanos());
      Attributes attributes = receive.getAttributes();
      assertThat(attributes.get(AttributeKey.stringKey("messaging.operation.type"))).isEqualTo("receive");
      assertThat(attributes.get(AttributeKey.stringKey("messaging.destination.name"))).isEqualTo("pull");
      assertThat(attributes.get(ObsRabbit.ROUTING_KEY)).isEqualTo("pull");
      assertThat(attributes.get(ObsRabbit.DELIVERY_TAG)).isEqualTo(1L);
      assertPeer(attributes);
      assertThat(service.atStart.get(receive.getSpanId()).get(ObsRabbit.DELIVERY_TAG)).isEqualTo(1L);
      Timer queueTime = service.timer("messaging.queue.time", SYSTEM, "pull", "success");
      assertThat(queueTime.count()).isEqualTo(1);
      assertThat(queueTime.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(200);

      // A basicGet that fails (no such queue) is a receive span with the error, and the error reaches the caller.
      service.spans.reset();
      assertThatThrownBy(() -> channel.basicGet("no-such-queue", true)).isInstanceOf(IOException.class);
      SpanData failed = service.await(SpanKind.CONSUMER, 1).get(0);
      assertThat(failed.getName()).isEqualTo("receive no-such-queue");
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).isNotBlank();
    }
  }

  // Issue 27: acks, nacks and rejects are settle operations (messaging.operation.type=settle) of their queue.
  @Test
  void acksNacksAndRejects_areSettleOperationsOfTheirQueue_andTheTagsKeptAreBounded() throws Exception {
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      Channel channel = ObsRabbit.create(service.messaging).wrap(connection.createChannel());
      channel.queueDeclare("settle", false, false, false, null);
      for (int i = 0; i < 5; i++) {
        channel.basicPublish("", "settle", null, ("order-" + i).getBytes(StandardCharsets.UTF_8));
      }
      long[] tags = new long[5];
      for (int i = 0; i < 5; i++) {
        GetResponse response = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (response == null && System.nanoTime() < deadline) {
          response = channel.basicGet("settle", false);
        }
        assertThat(response).isNotNull();
        tags[i] = response.getEnvelope().getDeliveryTag();
      }
      channel.basicAck(tags[0], false);
      channel.basicNack(tags[1], false, false);
      channel.basicReject(tags[2], false);
      channel.basicAck(tags[4], true); // settles the fourth and the fifth in one call
      assertThat(service.operations(SYSTEM, "settle", "settle", "ack", "success")).isEqualTo(2);
      assertThat(service.operations(SYSTEM, "settle", "settle", "nack", "success")).isEqualTo(1);
      assertThat(service.operations(SYSTEM, "settle", "settle", "reject", "success")).isEqualTo(1);
      assertThat(((TracedChannel) channel).unsettledCount()).isZero();

      // An auto-ack consumer's deliveries are never settled: the tags kept for them stay bounded.
      int count = 1_100;
      channel.queueDeclare("auto", false, false, false, null);
      for (int i = 0; i < count; i++) {
        channel.basicPublish("", "auto", null, new byte[] {1});
      }
      CountDownLatch delivered = new CountDownLatch(count);
      channel.basicConsume("auto", true, (tag, delivery) -> delivered.countDown(), tag -> {});
      assertThat(delivered.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(((TracedChannel) channel).unsettledCount()).isEqualTo(1_024);
    }
  }

  @Test
  void publishAndProcessSpans_carryRoutingKey_deliveryTag_andTheBroker_fromTheirStart() throws Exception {
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      Channel channel = ObsRabbit.create(service.messaging).wrap(connection.createChannel());
      channel.exchangeDeclare("orders-x", "topic");
      channel.queueDeclare("eu-orders", false, false, false, null);
      channel.queueBind("eu-orders", "orders-x", "eu.#");
      channel.queueDeclare("eu-orders-classic", false, false, false, null);
      channel.queueBind("eu-orders-classic", "orders-x", "eu.#");

      CompletableFuture<Long> callback = new CompletableFuture<>();
      channel.basicConsume("eu-orders", true,
          (tag, delivery) -> callback.complete(delivery.getEnvelope().getDeliveryTag()), tag -> { });
      CompletableFuture<Long> classic = new CompletableFuture<>();
      channel.basicConsume("eu-orders-classic", true, new DefaultConsumer(channel) {
        @Override
        public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties props, byte[] body) {
          classic.complete(envelope.getDeliveryTag());
        }
      });
      channel.basicPublish("orders-x", "eu.de.order-created", null, "o".getBytes(StandardCharsets.UTF_8));
      long callbackTag = callback.get(10, TimeUnit.SECONDS);
      long classicTag = classic.get(10, TimeUnit.SECONDS);

      SpanData producer = service.await(SpanKind.PRODUCER, 1).get(0);
      assertThat(producer.getName()).isEqualTo("publish orders-x");
      for (Attributes a : List.of(producer.getAttributes(), service.atStart.get(producer.getSpanId()))) {
        assertThat(a.get(ObsRabbit.ROUTING_KEY)).isEqualTo("eu.de.order-created");
        assertPeer(a);
      }
      List<SpanData> consumers = service.await(SpanKind.CONSUMER, 2);
      for (SpanData consumer : consumers) {
        long expectedTag = consumer.getName().equals("process eu-orders") ? callbackTag : classicTag;
        for (Attributes a : List.of(consumer.getAttributes(), service.atStart.get(consumer.getSpanId()))) {
          assertThat(a.get(ObsRabbit.ROUTING_KEY)).isEqualTo("eu.de.order-created");
          assertThat(a.get(ObsRabbit.DELIVERY_TAG)).isEqualTo(expectedTag);
          assertPeer(a);
        }
      }
      assertThat(consumers).extracting(SpanData::getName)
          .containsExactlyInAnyOrder("process eu-orders", "process eu-orders-classic");
      channel.close();
    }
  }

  @Test
  void directReplyToAndServerNamedQueues_makeABoundedSetOfSpanNamesAndSeries() throws Exception {
    int clients = 10;
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      ObsRabbit rabbit = ObsRabbit.create(service.messaging);
      Channel server = rabbit.wrap(connection.createChannel());
      server.queueDeclare("rpc", false, false, false, null);
      server.basicConsume("rpc", true, (tag, request) -> server.basicPublish("", request.getProperties().getReplyTo(),
          new AMQP.BasicProperties.Builder().correlationId(request.getProperties().getCorrelationId()).build(),
          request.getBody()), tag -> { });

      Set<String> replyKeys = new HashSet<>();
      for (int i = 0; i < clients; i++) { // each channel has a reply-to name of its own
        Channel client = rabbit.wrap(connection.createChannel());
        CompletableFuture<String> reply = new CompletableFuture<>();
        client.basicConsume("amq.rabbitmq.reply-to", true,
            (tag, delivery) -> reply.complete(delivery.getEnvelope().getRoutingKey()), tag -> { });
        client.basicPublish("", "rpc",
            new AMQP.BasicProperties.Builder().replyTo("amq.rabbitmq.reply-to").correlationId("c" + i).build(),
            new byte[] {1});
        replyKeys.add(reply.get(10, TimeUnit.SECONDS));

        String serverNamed = client.queueDeclare().getQueue(); // amq.gen-...
        client.basicPublish("", serverNamed, null, new byte[] {2});
        GetResponse got = null;
        for (int tries = 0; got == null && tries < 100; tries++) {
          got = client.basicGet(serverNamed, true);
          Thread.sleep(got == null ? 20 : 0);
        }
        assertThat(got).isNotNull();
        client.close();
      }
      assertThat(replyKeys).hasSize(clients).allSatisfy(k -> assertThat(k).startsWith("amq.rabbitmq.reply-to."));

      List<SpanData> spans = service.await(SpanKind.CONSUMER, 3 * clients);
      service.await(SpanKind.PRODUCER, 3 * clients);
      spans = service.spans.getFinishedSpanItems();
      assertThat(spans).extracting(SpanData::getName).containsOnly("publish rpc", "process rpc",
          "publish (temporary)", "process (temporary)", "publish (anonymous)", "receive (anonymous)");
      assertThat(spans).filteredOn(s -> s.getName().endsWith("(temporary)")).hasSize(2 * clients)
          .allSatisfy(s -> assertThat(s.getAttributes().get(ObsRabbit.TEMPORARY)).isTrue());
      assertThat(spans).filteredOn(s -> s.getName().endsWith("(anonymous)")).hasSize(2 * clients)
          .allSatisfy(s -> assertThat(s.getAttributes().get(ObsRabbit.ANONYMOUS)).isTrue());
      // the reply's real routing key stays on its span, as an attribute
      assertThat(spans).filteredOn(s -> s.getName().equals("publish (temporary)"))
          .extracting(s -> s.getAttributes().get(ObsRabbit.ROUTING_KEY)).containsExactlyInAnyOrderElementsOf(replyKeys);
      Set<String> destinations = service.obs.meterRegistry().getMeters().stream()
          .map(m -> m.getId().getTag("messaging.destination.name")).filter(d -> d != null)
          .collect(Collectors.toSet());
      assertThat(destinations).containsOnly("rpc", "(temporary)", "(anonymous)");
      server.close();
    }
  }

  private static void assertPeer(Attributes a) {
    assertThat(a.get(Peer.SERVER_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(a.get(Peer.SERVER_PORT)).isEqualTo((long) broker.port());
    assertThat(a.get(Peer.PEER_ADDRESS)).isEqualTo("127.0.0.1");
    assertThat(a.get(Peer.PEER_PORT)).isEqualTo((long) broker.port());
  }
}
