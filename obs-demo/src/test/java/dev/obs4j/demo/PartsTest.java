/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.obs4j.demo.OneTraceTest.Placed;
import dev.obs4j.jdbc.PostgresServer;
import dev.obs4j.messaging.rabbitmq.RabbitBroker;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo one part per process, as the Kubernetes layout runs it: {@code --part gateway}, {@code orders} and
 * {@code worker} in three JVMs, configured by the environment variables the manifests set, against a real
 * PostgreSQL and RabbitMQ. One order is one trace across the three at the UDP agent; each part's health
 * checks tell liveness from readiness, readiness names what cannot be reached and its setting, and a part
 * keeps retrying rather than exiting.
 */
class PartsTest {
  private static PostgresServer postgres;
  private static RabbitBroker rabbit;

  @BeforeAll
  static void servers() throws Exception {
    postgres = new PostgresServer();
    rabbit = new RabbitBroker();
  }

  @AfterAll
  static void stopServers() throws Exception {
    try (PostgresServer p = postgres;
        RabbitBroker r = rabbit) {
      // closed
    }
  }

  /** The settings the manifests give orders and worker (a ConfigMap and a Secret), as environment variables. */
  private static Map<String, String> backendEnvironment(String part) {
    return Map.of(
        "DEMO_PART", part,
        "DEMO_JDBC_URL", postgres.url(),
        "DEMO_JDBC_USER", "postgres",
        "DEMO_JDBC_PASSWORD", "unused-with-trust",
        "DEMO_RABBITMQ", "127.0.0.1:" + rabbit.port(),
        "DEMO_RABBITMQ_USER", "guest",
        "DEMO_RABBITMQ_PASSWORD", "guest");
  }

  @Test
  void threeParts_threeJvms_postOrder_isOneTraceAcrossTheThree_withTheUserIdOnEachPart() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess orders = DemoProcess.start(agent.port(), backendEnvironment("orders"));
        DemoProcess worker = DemoProcess.start(agent.port(), backendEnvironment("worker"));
        DemoProcess gateway =
            DemoProcess.start(
                agent.port(),
                Map.of("DEMO_PART", "gateway", "DEMO_ORDERS_URL", "http://127.0.0.1:" + orders.ordersPort()))) {
      int[][] parts = {{gateway.gatewayPort()}, {orders.ordersPort()}, {worker.workerPort()}};
      DemoProcess[] processes = {gateway, orders, worker};
      for (int i = 0; i < 3; i++) {
        awaitStatus(processes[i], parts[i][0], "/healthy/ready", 200, 30);
        assertThat(processes[i].fetch(parts[i][0], "/healthy").statusCode()).isEqualTo(200);
        assertThat(processes[i].scrape(parts[i][0])).contains("jvm_memory_used_bytes");
      }
      // each process serves its part only
      assertRefused(gateway, gateway.ordersPort());
      assertRefused(gateway, gateway.workerPort());
      assertRefused(orders, orders.gatewayPort());
      assertRefused(worker, worker.ordersPort());

      Placed placed = OneTraceTest.placeAndShip(gateway);
      OneTraceTest.assertOneTraceSpans(JaegerTrace.await(agent, placed.traceId(), 10, 30), "postgresql", "rabbitmq");
      List<JsonNode> lines = new ArrayList<>();
      String[] services = {"gateway", "orders", "worker"};
      for (int i = 0; i < 3; i++) {
        List<JsonNode> own = processes[i].logLines(placed.traceId());
        String service = services[i];
        assertThat(own).as("%s's log lines of the trace", service).isNotEmpty()
            .allSatisfy(l -> assertThat(l.path("service.name").asText()).isEqualTo(service));
        lines.addAll(own);
      }
      OneTraceTest.assertLogLinesOfTheOrder(lines, placed.id());

      // The health checks, the gateway's probes of orders included, made no span.
      Thread.sleep(500);
      for (Batch batch : agent.batches()) {
        for (Span span : batch.getSpans()) {
          assertThat(span.getOperationName()).as("a span the agent received").doesNotContain("healthy");
        }
      }
    }
  }

  @Test
  void worker_databaseDown_saysWhichSettingToFix_readiness503_liveness200_thenReadyOnceTheDatabaseIsUp()
      throws Exception {
    postgres.stop();
    try (UdpAgent agent = new UdpAgent();
        DemoProcess worker = DemoProcess.start(agent.port(), backendEnvironment("worker"))) {
      worker.awaitOutput(out -> out.contains("cannot reach the database"), 30);
      assertThat(worker.stdout())
          .contains("cannot reach the database at " + postgres.url()
              + " (--jdbc-url / DEMO_JDBC_URL, --jdbc-user / DEMO_JDBC_USER, --jdbc-password / DEMO_JDBC_PASSWORD)")
          .contains("Connection refused")
          .contains("retrying every 5 s");
      assertThat(worker.fetch(worker.workerPort(), "/healthy").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = worker.fetch(worker.workerPort(), "/healthy/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonNode body = DemoProcess.JSON.readTree(ready.body());
      assertThat(body.path("status").asText()).isEqualTo("DOWN");
      assertThat(body.path("unreachable")).hasSize(1);
      JsonNode database = body.path("unreachable").get(0);
      assertThat(database.path("dependency").asText()).isEqualTo("database");
      assertThat(database.path("setting").asText()).startsWith("--jdbc-url / DEMO_JDBC_URL");
      assertThat(database.path("error").asText()).contains("Connection refused");

      Thread.sleep(6_000); // a retry or more later: still running, still not ready
      assertThat(worker.process().isAlive()).isTrue();
      assertThat(worker.fetch(worker.workerPort(), "/healthy/ready").statusCode()).isEqualTo(503);

      postgres.start();
      awaitStatus(worker, worker.workerPort(), "/healthy/ready", 200, 20);
      assertThat(worker.stdout()).contains("reached the database at " + postgres.url());
    } finally {
      ensurePostgresUp();
    }
  }

  @Test
  void gateway_ordersAway_readinessNamesTheOrdersUrl_thenReadyOnceOrdersStarts() throws Exception {
    int ordersPort = DemoProcess.freePort();
    try (UdpAgent agent = new UdpAgent();
        DemoProcess gateway =
            DemoProcess.start(
                agent.port(),
                Map.of("DEMO_PART", "gateway", "DEMO_ORDERS_URL", "http://127.0.0.1:" + ordersPort))) {
      gateway.awaitOutput(out -> out.contains("cannot reach the orders service"), 30);
      assertThat(gateway.stdout())
          .contains("cannot reach the orders service at http://127.0.0.1:" + ordersPort + " (--orders-url / DEMO_ORDERS_URL)");
      assertThat(gateway.fetch(gateway.gatewayPort(), "/healthy").statusCode()).isEqualTo(200);
      HttpResponse<String> ready = gateway.fetch(gateway.gatewayPort(), "/healthy/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(DemoProcess.JSON.readTree(ready.body()).at("/unreachable/0/setting").asText())
          .isEqualTo("--orders-url / DEMO_ORDERS_URL");

      try (DemoProcess orders =
          DemoProcess.start(agent.port(), backendEnvironment("orders"), "--orders-port", Integer.toString(ordersPort))) {
        awaitStatus(gateway, gateway.gatewayPort(), "/healthy/ready", 200, 20);
      }
    }
  }

  @Test
  void worker_wrongRabbitmqPassword_readinessNamesTheRabbitmqSettings() throws Exception {
    Map<String, String> environment = new java.util.HashMap<>(backendEnvironment("worker"));
    environment.put("DEMO_RABBITMQ_PASSWORD", "not-the-password");
    try (UdpAgent agent = new UdpAgent();
        DemoProcess worker = DemoProcess.start(agent.port(), environment)) {
      worker.awaitOutput(out -> out.contains("cannot reach RabbitMQ"), 30);
      HttpResponse<String> ready = worker.fetch(worker.workerPort(), "/healthy/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      JsonNode rabbitmq = DemoProcess.JSON.readTree(ready.body()).path("unreachable").get(0);
      assertThat(rabbitmq.path("dependency").asText()).isEqualTo("rabbitmq");
      assertThat(rabbitmq.path("setting").asText())
          .contains("--rabbitmq-user / DEMO_RABBITMQ_USER").contains("--rabbitmq-password / DEMO_RABBITMQ_PASSWORD");
      assertThat(rabbitmq.path("error").asText()).contains("ACCESS_REFUSED");
      assertThat(worker.process().isAlive()).isTrue();
    }
  }

  @Test
  void ordersAlone_onTheInJvmQueue_isRefusedNamingTheBrokerSettings() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      String out = DemoProcess.runToFailure(agent.port(), Map.of(), "--part", "orders", "--jdbc-url", postgres.url());
      assertThat(out)
          .contains("the in-JVM queue cannot cross processes")
          .contains("--rabbitmq / DEMO_RABBITMQ")
          .contains("--kafka / DEMO_KAFKA");
    }
  }

  private static HttpResponse<String> awaitStatus(DemoProcess demo, int port, String path, int status, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    HttpResponse<String> last = null;
    while (System.nanoTime() < deadline) {
      last = demo.fetch(port, path);
      if (last.statusCode() == status) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "GET " + path + " never answered " + status + "; last: " + (last == null ? "none" : last.statusCode() + " "
            + last.body()) + "\n" + demo.stdout());
  }

  private static void assertRefused(DemoProcess demo, int port) {
    try {
      demo.fetch(port, "/healthy");
      throw new AssertionError("port " + port + " answered, but this process does not run that part");
    } catch (java.net.ConnectException expected) {
      // nothing listens there
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void ensurePostgresUp() throws Exception {
    try (java.sql.Connection ignored = java.sql.DriverManager.getConnection(postgres.url(), "postgres", "")) {
      // up
    } catch (java.sql.SQLException down) {
      postgres.start();
    }
  }
}
