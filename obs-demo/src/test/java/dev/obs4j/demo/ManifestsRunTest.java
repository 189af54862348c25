/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import dev.obs4j.demo.KubernetesManifests.DemoPart;
import dev.obs4j.demo.OneTraceTest.Placed;
import dev.obs4j.jdbc.PostgresServer;
import dev.obs4j.messaging.rabbitmq.RabbitBroker;
import dev.obs4j.testing.GrpcServer;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests drive the real jars: each part's container args and environment come from the
 * rendered Deployments of the dev overlay ({@link KubernetesManifests#demoParts}), with only the addresses
 * a cluster gives mapped to loopback (Services {@code orders}, {@code postgres}, {@code rabbitmq} and
 * {@code jaeger.tracing}, the node's {@code status.hostIP}, the listening address and ports) and the broker
 * credentials mapped to the test broker's; the three parts run as three JVMs against a real PostgreSQL and
 * RabbitMQ, send spans to a UDP agent and ask a gRPC sampling manager that serves the cluster's
 * {@code sampling-strategies.json}.
 */
class ManifestsRunTest {
  private static PostgresServer postgres;
  private static RabbitBroker rabbit;

  @BeforeAll
  static void servers() throws Exception {
    postgres = new PostgresServer();
    rabbit = new RabbitBroker();
    // The manifests' database is "demo" (jdbc:postgresql://postgres:5432/demo): create it, so only the host
    // and port are mapped. Trust authentication accepts the Secret's user and password as they are.
    try (Connection c = DriverManager.getConnection(postgres.url(), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE demo");
      s.execute("CREATE ROLE demo LOGIN SUPERUSER");
    }
  }

  @AfterAll
  static void stopServers() throws Exception {
    try (PostgresServer p = postgres;
        RabbitBroker r = rabbit) {
      // closed
    }
  }

  @Test
  void devOverlay_threeJvms_pollTheSamplingManager_placeAndShipAnOrder_andTheFilesDefaultApplies() throws Exception {
    runParts((agent, gateway, orders) -> {
      // One order through the three JVMs: gateway to orders (Service name mapped), PostgreSQL and RabbitMQ.
      OneTraceTest.placeAndShip(gateway);

      // orders' own GET /hello falls under the file's default strategy (0.1), not the initial rate of 1 the
      // manifests start with: of 60 requests, far from all are traced.
      int requests = 60;
      for (int i = 0; i < requests; i++) {
        assertThat(orders.fetch(orders.ordersPort(), "/hello").statusCode()).isEqualTo(200);
      }
      Thread.sleep(1_000);
      int traced = 0;
      for (Batch batch : agent.batches()) {
        for (Span span : batch.getSpans()) {
          if (batch.getProcess().getServiceName().equals("orders") && span.getOperationName().equals("GET /hello")) {
            traced++;
          }
        }
      }
      assertThat(traced).as("GET /hello spans of %s requests at probability 0.1", requests).isLessThan(25);
    });
  }

  /**
   * The file samples the gateway's {@code POST /orders} always (its default is 0.1): Jaeger's sampler matches
   * the span's name when the span starts, and obs-http starts the server span named after the route Javalin
   * will match, so the per-operation strategy applies and every order is one sampled trace across the three.
   */
  @Test
  void devOverlay_threeJvms_postOrder_isOneSampledTraceAcrossTheThree_withTheUserId() throws Exception {
    runParts((agent, gateway, orders) -> {
      // Three orders, each kept: at the default's 0.1 all three would be sampled one time in a thousand.
      for (int i = 0; i < 3; i++) {
        Placed placed = OneTraceTest.placeAndShip(gateway);
        OneTraceTest.assertOneTraceSpans(
            JaegerTrace.await(agent, placed.traceId(), 10, 30), "postgresql", "rabbitmq");
      }
    });
  }

  private interface Check {
    void run(UdpAgent agent, DemoProcess gateway, DemoProcess orders) throws Exception;
  }

  /** Starts the three parts as the dev overlay configures them, waits until each polled its strategy, runs check. */
  private static void runParts(Check check) throws Exception {
    Map<String, DemoPart> parts = new LinkedHashMap<>();
    for (DemoPart part : KubernetesManifests.demoParts("overlays/dev")) {
      parts.put(part.name(), part);
    }
    assertThat(parts).containsOnlyKeys("gateway", "orders", "worker");
    byte[] strategies = Files.readAllBytes(KubernetesManifests.dir().resolve("tracing/sampling-strategies.json"));
    JsonNode file = DemoProcess.JSON.readTree(strategies);
    try (GrpcServer manager =
            new GrpcServer("jaeger.api_v2.SamplingManager", "GetSamplingStrategy",
                request -> strategyResponse(file, serviceName(request)));
        UdpAgent agent = new UdpAgent();
        DemoProcess orders = start(parts.get("orders"), agent, manager, -1);
        DemoProcess worker = start(parts.get("worker"), agent, manager, -1);
        DemoProcess gateway = start(parts.get("gateway"), agent, manager, orders.ordersPort())) {
      // Each part asked the sampling manager for its own strategy, under the name the manifests give it.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Set<String> asked = new HashSet<>();
      while (!asked.containsAll(parts.keySet()) && System.nanoTime() < deadline) {
        Thread.sleep(50);
        asked.clear();
        manager.requests().forEach(r -> asked.add(serviceName(r)));
      }
      assertThat(asked).as("services that polled the sampling manager").containsAll(parts.keySet());
      Thread.sleep(500); // the answers are applied after the call returns
      check.run(agent, gateway, orders);
      assertThat(worker.process().isAlive()).isTrue();
    }
  }

  /**
   * Starts one part with the container's args and environment; addresses a cluster resolves are mapped to
   * loopback, the rest passes through as the manifests say.
   */
  private static DemoProcess start(DemoPart part, UdpAgent agent, GrpcServer manager, int ordersPort)
      throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    part.env().forEach((name, value) -> env.put(name, map(name, value, agent, manager, ordersPort)));
    env.remove("OBS4J_DEMO_LOG_DIR"); // empty in the manifests (stdout only); DemoProcess gives a directory
    return DemoProcess.start(agent.port(), env, part.args().toArray(String[]::new));
  }

  private static String map(String name, String value, UdpAgent agent, GrpcServer manager, int ordersPort) {
    switch (name) {
      case "DEMO_HOST":
        assertThat(value).isEqualTo("0.0.0.0");
        return "127.0.0.1";
      case "DEMO_ORDERS_URL":
        assertThat(value).isEqualTo("http://orders:8081");
        // the gateway's reaches the orders JVM; orders and worker get it from the shared ConfigMap but do not use it
        return "http://127.0.0.1:" + (ordersPort > 0 ? ordersPort : 8081);
      case "DEMO_JDBC_URL":
        assertThat(value).isEqualTo("jdbc:postgresql://postgres:5432/demo");
        return "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/demo";
      case "DEMO_RABBITMQ":
        assertThat(value).isEqualTo("rabbitmq:5672");
        return "127.0.0.1:" + rabbit.port();
      case "DEMO_RABBITMQ_USER":
      case "DEMO_RABBITMQ_PASSWORD":
        return "guest"; // the test broker's only user
      case "JAEGER_AGENT_HOST":
        assertThat(value).isEqualTo(KubernetesManifests.NODE_ADDRESS);
        return "127.0.0.1";
      case "JAEGER_AGENT_PORT":
        assertThat(value).isEqualTo("6831");
        return Integer.toString(agent.port());
      case "OTEL_TRACES_SAMPLER_ARG":
        assertThat(value).contains("endpoint=http://jaeger.tracing:5779");
        return value.replace("http://jaeger.tracing:5779", manager.endpoint());
      default:
        return value;
    }
  }

  /** Field 1 of jaeger.api_v2.SamplingStrategyParameters. */
  private static String serviceName(byte[] request) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(request);
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        if (WireFormat.getTagFieldNumber(tag) == 1) {
          return in.readString();
        }
        in.skipField(tag);
      }
      return "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * What Jaeger's file-based sampling manager answers {@code service}: its service strategy, or the default,
   * with the default's operation strategies merged under the service's own, as a
   * jaeger.api_v2.SamplingStrategyResponse written field by field (strategyType=1, probabilisticSampling=2,
   * operationSampling=4 {defaultSamplingProbability=1, perOperationStrategies=3 {operation=1,
   * probabilisticSampling=2}}).
   */
  static byte[] strategyResponse(JsonNode file, String service) {
    JsonNode strategy = file.path("default_strategy");
    for (JsonNode s : file.path("service_strategies")) {
      if (s.path("service").asText().equals(service)) {
        strategy = s;
      }
    }
    if (!strategy.path("type").asText().equals("probabilistic")) {
      throw new AssertionError("only probabilistic strategies are written here: " + strategy);
    }
    Map<String, Double> operations = new LinkedHashMap<>();
    for (JsonNode op : strategy.path("operation_strategies")) {
      operations.put(op.path("operation").asText(), op.path("param").asDouble());
    }
    for (JsonNode op : file.path("default_strategy").path("operation_strategies")) {
      operations.putIfAbsent(op.path("operation").asText(), op.path("param").asDouble());
    }
    double rate = strategy.path("param").asDouble();
    try {
      ByteArrayOutputStream perOperation = new ByteArrayOutputStream();
      CodedOutputStream perOut = CodedOutputStream.newInstance(perOperation);
      perOut.writeDouble(1, rate);
      for (Map.Entry<String, Double> op : operations.entrySet()) {
        perOut.writeByteArray(
            3, message(out -> {
              out.writeString(1, op.getKey());
              out.writeByteArray(2, message(p -> p.writeDouble(1, op.getValue())));
            }));
      }
      perOut.flush();
      return message(out -> {
        out.writeEnum(1, 0); // PROBABILISTIC
        out.writeByteArray(2, message(p -> p.writeDouble(1, rate)));
        out.writeByteArray(4, perOperation.toByteArray());
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writer.write(out);
    out.flush();
    return bytes.toByteArray();
  }
}
