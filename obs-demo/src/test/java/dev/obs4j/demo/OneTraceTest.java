/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static dev.obs4j.demo.JaegerTrace.assertParent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.obs4j.demo.JaegerTrace.Received;
import dev.obs4j.jdbc.PostgresServer;
import dev.obs4j.messaging.kafka.KafkaBroker;
import dev.obs4j.messaging.rabbitmq.RabbitBroker;
import dev.obs4j.testing.UdpAgent;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The first link of the chain: one request through every part of the demo is one trace, decoded from the
 * real UDP datagrams the way the Jaeger agent decodes them, and every log line of that request, in all three
 * parts, carries its trace id and the user id. On embedded defaults, and on real PostgreSQL with Kafka and
 * with RabbitMQ.
 */
class OneTraceTest {

  @Test
  void embeddedDefaults_postOrder_isOneTraceThroughGatewayOrdersDatabaseQueueAndWorker() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port())) {
      JaegerTrace trace = assertOneTrace(demo, agent, "h2database", "jvm_queue");
      assertThat(trace.one("orders", "server", "POST /orders").tag("user_agent.original"))
          .hasValueSatisfying(ua -> assertThat(ua).startsWith("Java-http-client/"));
    }
  }

  /** With the gateway calling orders through Apache HttpClient 5 ({@code --orders-client apache}). */
  @Test
  void postgresqlAndKafka_gatewayOnApacheHttpClient_postOrder_isOneTrace() throws Exception {
    try (PostgresServer postgres = new PostgresServer();
        KafkaBroker kafka = new KafkaBroker();
        UdpAgent agent = new UdpAgent();
        DemoProcess demo =
            DemoProcess.start(
                agent.port(), "--jdbc-url", postgres.url(), "--jdbc-user", "postgres", "--kafka", kafka.bootstrap(),
                "--orders-client", "apache")) {
      JaegerTrace trace = assertOneTrace(demo, agent, "postgresql", "kafka");
      assertThat(trace.one("orders", "server", "POST /orders").tag("user_agent.original"))
          .as("the call came through Apache HttpClient")
          .hasValueSatisfying(ua -> assertThat(ua).startsWith("Apache-HttpClient/5"));
    }
  }

  @Test
  void postgresqlAndRabbitmq_postOrder_isOneTrace() throws Exception {
    try (PostgresServer postgres = new PostgresServer();
        RabbitBroker rabbit = new RabbitBroker();
        UdpAgent agent = new UdpAgent();
        DemoProcess demo =
            DemoProcess.start(
                agent.port(), "--jdbc-url", postgres.url(), "--jdbc-user", "postgres",
                "--rabbitmq", "127.0.0.1:" + rabbit.port())) {
      assertOneTrace(demo, agent, "postgresql", "rabbitmq");
    }
  }

  /** One order through {@code demo} is one trace of the parts' spans, and its log lines carry its ids. */
  static JaegerTrace assertOneTrace(DemoProcess demo, UdpAgent agent, String database, String queue)
      throws Exception {
    Placed placed = placeAndShip(demo);
    JaegerTrace trace = JaegerTrace.await(agent, placed.traceId(), 10, 30);
    assertOneTraceSpans(trace, database, queue);
    assertLogLinesOfTheOrder(demo.logLines(placed.traceId()), placed.id());
    // Every line the demo's request code wrote is among them: none lost its trace id.
    Set<String> requestLoggers =
        Set.of("dev.obs4j.demo.Gateway", "dev.obs4j.demo.OrdersService", "dev.obs4j.demo.JdbcOrderBook", "dev.obs4j.demo.Worker");
    assertThat(demo.logLines())
        .filteredOn(l -> requestLoggers.contains(l.path("log.logger").asText()))
        .allSatisfy(l -> assertThat(l.path("trace.id").asText()).as(l.toString()).isNotEmpty());
    return trace;
  }

  /** An order placed by alice through the gateway: its trace id and order id. */
  record Placed(String traceId, long id) {}

  /** Places an order for alice through {@code gateway} and waits until the worker has shipped it. */
  static Placed placeAndShip(DemoProcess gateway) throws Exception {
    HttpResponse<String> placed = gateway.post("/orders", "{\"item\": \"book\", \"quantity\": 2}", "X-User-Id", "alice");
    assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
    String traceId = placed.headers().firstValue("X-Trace-Id").orElseThrow();
    assertThat(traceId).matches("[0-9a-f]{32}");
    long id = DemoProcess.JSON.readTree(placed.body()).get("id").asLong();
    gateway.awaitBody("/orders/" + id, body -> body.contains("\"SHIPPED\""), 30);
    return new Placed(traceId, id);
  }

  /** The spans of one order: gateway, orders, database, queue and worker, each the child of the one before. */
  static void assertOneTraceSpans(JaegerTrace trace, String database, String queue) {
    Received gatewayServer = trace.one("gateway", "server", "POST /orders");
    Received validate = trace.one("gateway", "internal", "validate order");
    Received gatewayClient = trace.one("gateway", "client", "POST");
    Received ordersServer = trace.one("orders", "server", "POST /orders");
    Received place = trace.one("orders", "internal", "OrderBook.place");
    Received insert = trace.one("orders", "client", "INSERT");
    Received publish = trace.one("orders", "producer", "");
    Received consume = trace.one("worker", "consumer", "");
    Received ship = trace.one("worker", "internal", "OrderBook.ship");
    Received update = trace.one("worker", "client", "UPDATE");

    assertThat(gatewayServer.span().getParentSpanId()).as("the gateway starts the trace").isZero();
    assertParent(validate, gatewayServer);
    assertParent(gatewayClient, gatewayServer);
    assertParent(ordersServer, gatewayClient);
    assertParent(place, ordersServer);
    assertParent(insert, place);
    assertParent(publish, ordersServer);
    assertParent(consume, publish);
    assertParent(ship, consume);
    assertParent(update, ship);
    assertThat(insert.tag("db.system.name")).hasValue(database);
    assertThat(insert.tag("db.system")).as("the attribute's name before the current conventions").isEmpty();
    assertThat(publish.tag("messaging.system")).hasValue(queue);
    assertThat(consume.tag("messaging.destination.name")).hasValue("orders");
    assertThat(gatewayServer.tag("enduser.id")).hasValue("alice");
    assertThat(ordersServer.tag("enduser.id")).hasValue("alice");
    assertThat(consume.tag("enduser.id")).hasValue("alice");
  }

  /** The log lines of one order's trace, from all three parts, with alice's user id. */
  static void assertLogLinesOfTheOrder(List<JsonNode> lines, long id) {
    assertThat(lines.stream().map(l -> l.path("service.name").asText()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("gateway", "orders", "worker");
    assertThat(lines).allSatisfy(line -> assertThat(line.path("user.id").asText()).as(line.toString()).isEqualTo("alice"));
    assertThat(lines.stream().map(l -> l.path("message").asText()).collect(Collectors.toList()))
        .anySatisfy(m -> assertThat(m).startsWith("order for 2 x book is valid"))
        .anySatisfy(m -> assertThat(m).startsWith("stored order " + id))
        .anySatisfy(m -> assertThat(m).startsWith("order " + id + " placed"))
        .anySatisfy(m -> assertThat(m).isEqualTo("order " + id + " shipped for user alice"));
  }

  @Test
  void sigterm_letsTheRequestInFlightFinish_andFlushesItsSpans() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port(), "--slow-query", "1500ms")) {
      CompletableFuture<HttpResponse<String>> slow =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return demo.get("/slow");
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(500); // the slow query is running in orders
      int exit = demo.terminate();
      HttpResponse<String> response = slow.get();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      String traceId = response.headers().firstValue("X-Trace-Id").orElseThrow();
      JaegerTrace trace = JaegerTrace.of(agent, traceId);
      trace.one("gateway", "server", "GET /slow");
      trace.one("orders", "server", "GET /slow");
      trace.one("orders", "client", "SELECT");
      assertThat(demo.logLines(traceId))
          .anySatisfy(l -> {
            assertThat(l.path("log.level").asText()).isEqualTo("WARN");
            assertThat(l.path("service.name").asText()).isEqualTo("orders");
          });
      assertThat(demo.logLines()).anySatisfy(l -> assertThat(l.path("message").asText()).startsWith("obs4j demo stopped"));
      assertThat(exit).as("exit status after SIGTERM").isEqualTo(143);
    }
  }

  @Test
  void sigtermUnderTraffic_inFlightRequestsFinish_andEveryAnsweredRequestHasItsSpansAtTheAgent() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port(), "--slow-query", "800ms")) {
      record Answer(String path, long startedNanos, int status, String traceId) {}
      record Broken(String path, long startedNanos, String error) {}
      List<Answer> answers = new CopyOnWriteArrayList<>();
      List<Broken> broken = new CopyOnWriteArrayList<>();
      List<Thread> clients = new ArrayList<>();
      for (String path : new String[] {"/slow", "POST /orders", "/orders/1", "POST /orders"}) {
        Thread client = new Thread(() -> {
          for (int i = 0; i < 400; i++) { // bounded; the demo stops long before
            long started = System.nanoTime();
            try {
              HttpResponse<String> r = path.startsWith("POST ")
                  ? demo.post(path.substring(5), "{\"item\": \"cup\", \"quantity\": 1}")
                  : demo.get(path);
              answers.add(new Answer(path, started, r.statusCode(), r.headers().firstValue("X-Trace-Id").orElse("")));
              Thread.sleep(20); // about the soak's documented rate, not a flood
            } catch (java.net.ConnectException refused) {
              return; // the demo no longer accepts connections: it is stopping
            } catch (InterruptedException e) {
              return;
            } catch (Exception e) {
              broken.add(new Broken(path, started, e.toString()));
              return;
            }
          }
        });
        client.start();
        clients.add(client);
      }
      Thread.sleep(2_000);
      // One request surely in flight: its 800 ms query has been running for 300 ms when SIGTERM comes.
      CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
        try {
          return demo.get("/slow");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(300);
      long sigterm = System.nanoTime();
      int exit = demo.terminate();
      for (Thread client : clients) {
        client.join(30_000);
      }
      assertThat(exit).isEqualTo(143);
      HttpResponse<String> slow = inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(slow.statusCode()).as(slow.body()).isEqualTo(200);
      answers.add(new Answer("/slow", sigterm, 200, slow.headers().firstValue("X-Trace-Id").orElse("")));
      // A request sent before SIGTERM was answered; only one sent as the server closed may break.
      assertThat(broken).as("requests sent before SIGTERM that got no answer")
          .noneMatch(b -> b.startedNanos() < sigterm - 50_000_000L);
      assertThat(answers.stream().filter(a -> a.startedNanos() < sigterm)).hasSizeGreaterThan(10);

      // Requests that came once the server was stopping are refused by Jetty's graceful shutdown with a 503
      // before any handler runs: not traced, and not a request that was served.
      assertThat(answers).allSatisfy(a -> assertThat(a.traceId().isEmpty() ? a.status() : 0).as(a.toString()).isIn(0, 503));
      // Every served request's spans reached the agent stand-in: its server spans in both parts, and for a
      // stored order the INSERT and the publish to the queue.
      List<Answer> served = answers.stream().filter(a -> !a.traceId().isEmpty()).toList();
      assertThat(served).hasSizeGreaterThan(10);
      for (Answer answer : served) {
        assertThat(answer.traceId()).as(answer.toString()).matches("[0-9a-f]{32}");
        JaegerTrace trace = JaegerTrace.of(agent, answer.traceId());
        String route = answer.path().startsWith("POST ") ? "POST /orders" : answer.path().equals("/slow") ? "GET /slow" : "GET /orders";
        trace.one("gateway", "server", route);
        trace.one("orders", "server", route);
        if (answer.status() == 201) {
          trace.one("orders", "client", "INSERT");
          trace.one("orders", "producer", "");
        }
      }
    }
  }
}
