/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.jdbc.ObsJdbc;
import dev.obs4j.messaging.ObsMessaging;
import io.javalin.Javalin;
import io.opentelemetry.context.Scope;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three parts of the demo in one JVM, each with an obs4j handle of its own (service names
 * {@code gateway}, {@code orders}, {@code worker}), talking only through obs4j-instrumented channels:
 * HTTP (gateway to orders), JDBC (orders and worker to the database) and a queue (orders to worker).
 * {@link #close()} stops them in the order that loses nothing: no new requests, requests in flight finish,
 * the queue drains, then every handle flushes its spans.
 */
final class Demo implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Demo.class);

  private final DemoConfig config;
  private final List<Obs> handles = new ArrayList<>();
  private final List<Javalin> servers = new ArrayList<>();
  private @Nullable OrderQueue queue;
  private @Nullable Obs worker;
  private int gatewayPort;
  private int ordersPort;
  private int workerPort;

  private Demo(DemoConfig config) {
    this.config = config;
  }

  static Demo start(DemoConfig config) throws Exception {
    Demo demo = new Demo(config);
    try {
      demo.startParts();
      return demo;
    } catch (Exception | Error e) {
      demo.close();
      throw e;
    }
  }

  private void startParts() throws Exception {
    Obs gatewayObs = handle("gateway", null);
    Obs ordersObs = handle("orders", null);
    Obs workerObs = handle("worker", config.workerPort());
    this.worker = workerObs;
    InetSocketAddress workerMetrics = workerObs.metricsServerAddress();
    workerPort = workerMetrics == null ? -1 : workerMetrics.getPort();

    DataSource database = new DriverDataSource(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword());
    ObsMessaging ordersMessaging = ObsMessaging.create(ordersObs);
    ObsMessaging workerMessaging = ObsMessaging.create(workerObs);
    OrderQueue orderQueue;
    try (Scope ignored = ordersObs.serviceScope()) {
      JdbcOrderBook.createSchema(database, config.jdbcUrl());
      orderQueue =
          switch (config.queueKind()) {
            case "kafka" -> new KafkaOrderQueue(config.kafka(), ordersMessaging, workerObs, workerMessaging);
            case "rabbitmq" -> new RabbitOrderQueue(config.rabbitmq(), ordersMessaging, workerObs, workerMessaging);
            default -> new JvmOrderQueue(ordersMessaging, workerObs, workerMessaging, 1000);
          };
      this.queue = orderQueue;
    }

    OrderBook workerBook =
        workerObs.traced(OrderBook.class, new JdbcOrderBook(jdbc(workerObs).wrap(database), config.slowQuery()));
    orderQueue.consume(new Worker(workerBook)::ship);

    ObsHttp ordersHttp = ObsHttp.create(ordersObs);
    OrderBook ordersBook =
        ordersObs.traced(OrderBook.class, new JdbcOrderBook(jdbc(ordersObs).wrap(database), config.slowQuery()));
    try (Scope ignored = ordersObs.serviceScope()) {
      Javalin orders = new OrdersService(ordersBook, orderQueue).create(ordersHttp);
      servers.add(orders);
      orders.start(config.host(), config.ordersPort());
      ordersPort = orders.port();
    }

    ObsHttp gatewayHttp = ObsHttp.create(gatewayObs);
    String ordersHost = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    try (Scope ignored = gatewayObs.serviceScope()) {
      Javalin gateway =
          new Gateway(gatewayHttp, URI.create("http://" + hostForUri(ordersHost) + ":" + ordersPort)).create(gatewayHttp);
      servers.add(0, gateway); // stopped first
      gateway.start(config.host(), config.gatewayPort());
      gatewayPort = gateway.port();
    }
  }

  /** The compose stack's saved Kibana search for one trace id, as the Jaeger UI's link to it. */
  static final String KIBANA_LOGS_BY_TRACE_ID =
      "http://localhost:5601/app/discover#/view/obs-demo-logs-by-trace-id?_g=(time:(from:now-7d,to:now))"
          + "&_a=(query:(language:kuery,query:'trace.id:%22{traceId}%22'))";

  /**
   * The handle of one part; the demo closes them itself, after the servers, so no hook races it. What the
   * flags decide is forced: a host's {@code OTEL_SERVICE_NAME} must not give all three parts one name.
   */
  private Obs handle(String service, @Nullable Integer metricsPort) {
    Obs.Builder builder =
        Obs.builder()
            .force("OTEL_SERVICE_NAME", service)
            .serviceVersion(version())
            .shutdownHook(false)
            // a development tool: the console is on (OBS4J_CONSOLE=false turns it off), linking out to the
            // compose stack's Jaeger and Kibana
            .set("OBS4J_CONSOLE", "true")
            .set("OBS4J_CONSOLE_JAEGER_URL", "http://localhost:16686")
            .set("OBS4J_CONSOLE_LOGS_URL", KIBANA_LOGS_BY_TRACE_ID);
    // Each part's console shows the spans the other two hold of a trace: one waterfall for the whole demo.
    String peerHost = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
    Map<String, Integer> ports =
        Map.of("gateway", config.gatewayPort(), "orders", config.ordersPort(), "worker", config.workerPort());
    if (ports.values().stream().allMatch(p -> p > 0)) {
      builder.set("OBS4J_CONSOLE_PEERS", String.join(",", ports.entrySet().stream()
          .filter(e -> !e.getKey().equals(service))
          .map(e -> "http://" + peerHost + ":" + e.getValue())
          .sorted()
          .toList()));
    }
    String otlp = config.otlpEndpoint();
    if (otlp != null) {
      builder.force("OTEL_TRACES_EXPORTER", "otlp").force("OTEL_EXPORTER_OTLP_ENDPOINT", otlp);
    }
    if (metricsPort != null) {
      builder
          .force("OBS4J_METRICS_SERVER", "true")
          .force("OTEL_EXPORTER_PROMETHEUS_HOST", config.host())
          .force("OTEL_EXPORTER_PROMETHEUS_PORT", Integer.toString(metricsPort));
    }
    Obs obs = builder.build();
    handles.add(obs);
    return obs;
  }

  private ObsJdbc jdbc(Obs obs) {
    return ObsJdbc.builder(obs).slowStatementThreshold(Duration.ofMillis(300)).build();
  }

  private static String hostForUri(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  static String version() {
    String version = Demo.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  int gatewayPort() {
    return gatewayPort;
  }

  int ordersPort() {
    return ordersPort;
  }

  int workerPort() {
    return workerPort;
  }

  String host() {
    return config.host();
  }

  /** Stops taking requests, lets those in flight finish, drains the queue, flushes every handle's spans. */
  @Override
  public void close() {
    for (Javalin server : servers) {
      try {
        server.stop(); // graceful: in-flight requests finish (Jetty stop timeout 10 s)
      } catch (RuntimeException e) {
        log.warn("stopping an HTTP server failed", e);
      }
    }
    OrderQueue q = queue;
    if (q != null) {
      q.stopConsuming(5_000);
      q.close();
    }
    Obs w = worker;
    if (w != null) {
      try (Scope ignored = w.serviceScope()) {
        log.info("obs4j demo stopped; flushing spans");
      }
    }
    for (Obs obs : handles) {
      obs.close();
    }
  }
}
