/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.obs4j.messaging.Recorder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Publisher confirms through a traced channel, against a real RabbitMQ: every publish span ends with its own
 * confirm, whatever the application does to the channel's listeners or threads.
 */
class RabbitConfirmTest {
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
  void clearConfirmListeners_thenPublish_spanEndsOnTheAck_andNothingStaysPending() throws Exception {
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      Channel channel = ObsRabbit.create(service.messaging).wrap(connection.createChannel());
      channel.queueDeclare("cleared", false, false, false, null);
      channel.confirmSelect();
      channel.clearConfirmListeners(); // the application drops its own listeners: obs4j's must survive
      CompletableFuture<Long> acked = new CompletableFuture<>();
      channel.addConfirmListener((seq, multiple) -> acked.complete(seq), (seq, multiple) -> { });

      for (int i = 0; i < 3; i++) {
        channel.basicPublish("", "cleared", null, ("m" + i).getBytes(StandardCharsets.UTF_8));
      }
      channel.waitForConfirmsOrDie(10_000);

      List<SpanData> producers = service.await(SpanKind.PRODUCER, 3);
      assertThat(producers).extracting(SpanData::getName).containsOnly("publish cleared");
      assertThat(producers).allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET));
      assertThat(((TracedChannel) channel).pendingConfirms()).isZero();
      assertThat(acked.get(10, TimeUnit.SECONDS)).isPositive(); // the application's listener still works
      channel.close();
    }
  }

  @Test
  void twoThreadsOnOneConfirmChannel_eachSpanGetsItsOwnConfirm() throws Exception {
    int perThread = 1500;
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      Channel channel = ObsRabbit.create(service.messaging).wrap(connection.createChannel());
      channel.queueDeclare("accepted", false, false, false, null);
      // A queue that is always full and refuses publishes: every message to it is nacked by the broker.
      channel.queueDeclare("refused", false, false, false, Map.of("x-max-length", 0, "x-overflow", "reject-publish"));
      channel.confirmSelect();

      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Void>> done = List.of("accepted", "refused").stream().map(queue -> pool.submit(() -> {
          go.await();
          for (int i = 0; i < perThread; i++) {
            channel.basicPublish("", queue, null, new byte[] {1});
          }
          return (Void) null;
        })).toList();
        go.countDown();
        for (Future<Void> f : done) {
          f.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      channel.waitForConfirms(30_000); // false: the refused ones were nacked

      List<SpanData> producers = service.await(SpanKind.PRODUCER, 2 * perThread);
      assertThat(producers).hasSize(2 * perThread);
      assertThat(producers).filteredOn(s -> s.getName().equals("publish accepted"))
          .hasSize(perThread)
          .allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).as("an acked publish").isEqualTo(StatusCode.UNSET));
      assertThat(producers).filteredOn(s -> s.getName().equals("publish refused"))
          .hasSize(perThread)
          .allSatisfy(s -> assertThat(s.getStatus().getStatusCode()).as("a nacked publish").isEqualTo(StatusCode.ERROR));
      assertThat(((TracedChannel) channel).pendingConfirms()).isZero();
      channel.close();
    }
  }

  @Test
  void wrappingTheSameChannelTwice_givesTheSameWrapper() throws Exception {
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      ObsRabbit rabbit = ObsRabbit.create(service.messaging);
      Channel raw = connection.createChannel();
      Channel first = rabbit.wrap(raw);
      for (int i = 0; i < 1000; i++) {
        assertThat(rabbit.wrap(raw)).isSameAs(first); // no new listeners on the raw channel each time
      }
      assertThat(rabbit.wrap(first)).isSameAs(first);

      first.queueDeclare("twice", false, false, false, null);
      first.confirmSelect();
      first.basicPublish("", "twice", null, new byte[] {1});
      first.waitForConfirmsOrDie(10_000);
      assertThat(service.await(SpanKind.PRODUCER, 1)).hasSize(1);
      first.close();
    }
  }

  @Test
  void mandatoryPublishThatComesBack_isAnEnqueueError() throws Exception {
    try (Recorder service = new Recorder("orders"); Connection connection = factory.newConnection()) {
      Channel channel = ObsRabbit.create(service.messaging).wrap(connection.createChannel());
      channel.exchangeDeclare("lost-x", "direct"); // bound to no queue: a mandatory message comes back
      channel.exchangeDeclare("orders-x", "direct");
      channel.queueDeclare("routed", false, false, false, null);
      channel.queueBind("routed", "orders-x", "routed");
      channel.confirmSelect();
      CompletableFuture<String> returned = new CompletableFuture<>();
      channel.addReturnListener(r -> returned.complete(r.getExchange()));

      channel.basicPublish("lost-x", "routed", true, null, "lost".getBytes(StandardCharsets.UTF_8));
      channel.basicPublish("orders-x", "routed", true, null, "kept".getBytes(StandardCharsets.UTF_8));
      channel.waitForConfirmsOrDie(10_000); // the broker acks a returned message too
      assertThat(returned.get(10, TimeUnit.SECONDS)).isEqualTo("lost-x"); // the application's listener still runs

      List<SpanData> producers = service.await(SpanKind.PRODUCER, 2);
      SpanData lost = producers.stream().filter(s -> s.getName().equals("publish lost-x")).findFirst().orElseThrow();
      SpanData kept = producers.stream().filter(s -> s.getName().equals("publish orders-x")).findFirst().orElseThrow();
      assertThat(lost.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(lost.getStatus().getDescription()).contains("NO_ROUTE");
      assertThat(kept.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
      assertThat(service.sends(SYSTEM, "lost-x", "failure")).isEqualTo(1);
      assertThat(service.sends(SYSTEM, "lost-x", "success")).isZero();
      assertThat(service.sends(SYSTEM, "orders-x", "success")).isEqualTo(1);
      assertThat(((TracedChannel) channel).pendingConfirms()).isZero();
      channel.close();
    }
  }
}
