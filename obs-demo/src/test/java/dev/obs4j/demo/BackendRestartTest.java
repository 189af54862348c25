/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.jdbc.PostgresServer;
import dev.obs4j.messaging.kafka.KafkaBroker;
import dev.obs4j.messaging.rabbitmq.RabbitBroker;
import dev.obs4j.testing.UdpAgent;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The demo's own backends go away and come back while traffic runs: PostgreSQL, then Kafka; and RabbitMQ.
 * Throughout, every request gets an answer (the outage shows as the application's own 5xx or as an order
 * left unqueued, never as a request that obs4j broke or stalled); the failures show in the RED and queue
 * meters with outcome {@code failure}; no span is dropped; and once the backend is back, with no restart of
 * the service, an order is again one whole trace through every part, database and queue included.
 */
class BackendRestartTest {

  @Test
  void postgresqlThenKafka_stoppedAndRestartedUnderTraffic() throws Exception {
    try (PostgresServer postgres = new PostgresServer();
        KafkaBroker kafka = new KafkaBroker();
        UdpAgent agent = new UdpAgent();
        DemoProcess demo =
            DemoProcess.start(
                agent.port(), "--jdbc-url", postgres.url(), "--jdbc-user", "postgres", "--kafka", kafka.bootstrap());
        Load load = new Load(demo)) {
      load.awaitAnswers(201, 5);

      postgres.stop();
      // No statement runs without a connection: the failure is the wait for one.
      awaitAbove(demo, demo.ordersPort(), 0, "db_client_connection_wait_time_seconds_count", "outcome=\"failure\"");
      load.awaitAnswers(500, 1); // the application's own error answer: it could not store the order
      postgres.start();
      load.awaitAnswers(201, 5);

      kafka.stop();
      awaitAbove(demo, demo.ordersPort(), 0, "messaging_client_operation_duration_seconds_count",
          "messaging_operation_type=\"send\"", "outcome=\"failure\"");
      double published = demo.sum(demo.ordersPort(), "messaging_client_operation_duration_seconds_count",
          "messaging_operation_type=\"send\"", "outcome=\"success\"");
      kafka.start();
      awaitAbove(demo, demo.ordersPort(), published, "messaging_client_operation_duration_seconds_count",
          "messaging_operation_type=\"send\"", "outcome=\"success\"");
      load.close();

      assertEveryRequestAnswered_andNoSpanDropped(demo, load);
      OneTraceTest.assertOneTrace(demo, agent, "postgresql", "kafka");
    }
  }

  @Test
  void rabbitmq_stoppedAndRestartedUnderTraffic() throws Exception {
    try (PostgresServer postgres = new PostgresServer();
        RabbitBroker rabbit = new RabbitBroker();
        UdpAgent agent = new UdpAgent();
        DemoProcess demo =
            DemoProcess.start(
                agent.port(), "--jdbc-url", postgres.url(), "--jdbc-user", "postgres",
                "--rabbitmq", "127.0.0.1:" + rabbit.port());
        Load load = new Load(demo)) {
      load.awaitAnswers(201, 5);

      rabbit.stop();
      awaitAbove(demo, demo.ordersPort(), 0, "messaging_client_operation_duration_seconds_count",
          "messaging_operation_type=\"send\"", "outcome=\"failure\"");
      load.awaitAnswers(201, 3); // orders are still taken: stored, and left for a later sweep
      double published = demo.sum(demo.ordersPort(), "messaging_client_operation_duration_seconds_count",
          "messaging_operation_type=\"send\"", "outcome=\"success\"");
      rabbit.start(); // the client's automatic recovery reconnects the demo's channels and its consumer
      awaitAbove(demo, demo.ordersPort(), published, "messaging_client_operation_duration_seconds_count",
          "messaging_operation_type=\"send\"", "outcome=\"success\"");
      load.close();

      assertEveryRequestAnswered_andNoSpanDropped(demo, load);
      OneTraceTest.assertOneTrace(demo, agent, "postgresql", "rabbitmq");
    }
  }

  private static void assertEveryRequestAnswered_andNoSpanDropped(DemoProcess demo, Load load) throws Exception {
    assertThat(load.failures).as("requests that got no answer").isEmpty();
    assertThat(load.statuses).as("one answer for every request sent").hasSize(load.sent.get());
    for (int port : new int[] {demo.gatewayPort(), demo.ordersPort(), demo.workerPort()}) {
      assertThat(demo.sum(port, "obs4j_spans_dropped_total")).as("spans dropped on port %d", port).isZero();
      assertThat(demo.sum(port, "obs4j_spans_exported_total")).as("spans exported on port %d", port).isPositive();
    }
  }

  /** Waits (at most 60 s) until the sum of {@code metric} with {@code labels} on {@code port} exceeds {@code floor}. */
  private static void awaitAbove(DemoProcess demo, int port, double floor, String metric, String... labels)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    double value;
    do {
      value = demo.sum(port, metric, labels);
      if (value > floor) {
        return;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(metric + " " + String.join(",", labels) + " stayed at " + value + " (needed > " + floor + ")");
  }

  /** POST /orders every 100 ms from one thread (bounded: at most 1,500 requests), noting every answer. */
  private static final class Load implements AutoCloseable {
    final AtomicInteger sent = new AtomicInteger();
    final List<Integer> statuses = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    Load(DemoProcess demo) {
      thread = new Thread(() -> {
        while (running && sent.get() < 1_500) {
          sent.incrementAndGet();
          try {
            HttpResponse<String> r = demo.post("/orders", "{\"item\": \"pen\", \"quantity\": 1}", "X-User-Id", "load");
            statuses.add(r.statusCode());
          } catch (InterruptedException e) {
            return;
          } catch (Exception e) {
            failures.add(e.toString()); // no answer within the client's 20 s, or a broken connection
          }
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "load");
      thread.setDaemon(true);
      thread.start();
    }

    /** Waits (at most 60 s) for {@code count} more answers with {@code status} than there are now. */
    void awaitAnswers(int status, int count) throws InterruptedException {
      long before = statuses.stream().filter(s -> s == status).count();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (statuses.stream().filter(s -> s == status).count() < before + count) {
        if (System.nanoTime() > deadline || !thread.isAlive()) {
          throw new AssertionError("expected " + count + " more answers " + status + "; answers so far: " + statuses
              + "; failures: " + failures);
        }
        Thread.sleep(50);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(TimeUnit.SECONDS.toMillis(30));
    }
  }
}
