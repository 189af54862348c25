/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import dev.obs4j.demo.DemoConfig.Part;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.jdbc.ObsJdbc;
import dev.obs4j.messaging.ObsMessaging;
import io.javalin.Javalin;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parts of the demo this process runs ({@code --part}; by default all three in one JVM), each with an obs4j
 * handle of its own (service names {@code gateway}, {@code orders}, {@code worker}) and an HTTP port of its own
 * ({@code /healthy}, {@code /healthy/ready}, {@code /metrics}), talking only through obs4j-instrumented
 * channels: HTTP (gateway to orders), JDBC (orders and worker to the database) and a queue (orders to worker).
 *
 * <p>With all three in one JVM a database or broker that cannot be reached stops the start, as a bad setting
 * does. A part on its own (a pod) starts anyway, says which setting to fix, retries every few seconds and
 * answers 503 on {@code /healthy/ready} meanwhile. {@link #close()} stops the parts in the order that loses
 * nothing: no new requests, requests in flight finish, the queue drains, then every handle flushes its spans.
 */
final class Demo implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Demo.class);

  private final DemoConfig config;
  private final List<Obs> handles = new ArrayList<>();
  private final List<Javalin> servers = new ArrayList<>();
  private final ScheduledExecutorService checks =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "obs-demo-dependencies");
            thread.setDaemon(true);
            return thread;
          });
  private final Object queueLock = new Object();
  private volatile @Nullable OrderQueue queue;
  private @Nullable Obs last;
  private @Nullable Obs gatewayObs;
  private @Nullable Obs ordersObs;
  private @Nullable Obs workerObs;
  private int gatewayPort = -1;
  private int ordersPort = -1;
  private int workerPort = -1;

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
    Part part = config.part();
    boolean together = part == Part.ALL;
    DataSource database = new DriverDataSource(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword());
    if (part.runs(Part.GATEWAY)) {
      gatewayObs = handle("gateway");
    }
    if (part.runs(Part.ORDERS)) {
      ordersObs = handle("orders");
    }
    if (part.runs(Part.WORKER)) {
      workerObs = handle("worker");
    }

    Obs w = workerObs;
    if (w != null) {
      Dependencies needs = backends(w, database);
      OrderBook workerBook = w.traced(OrderBook.class, new JdbcOrderBook(jdbc(w).wrap(database), config.slowQuery()));
      Worker worker = new Worker(workerBook);
      needs.whenReady(() -> openQueue().consume(worker::ship));
      if (together) {
        needs.checkOrFail();
      }
      Javalin app = DemoHttp.create(ObsHttp.create(w), needs);
      servers.add(app);
      try (Scope ignored = w.serviceScope()) {
        app.start(config.host(), config.workerPort());
      }
      workerPort = app.port();
      needs.keepChecking(checks, together ? Dependencies.RETRY_SECONDS : 0);
    }

    Obs o = ordersObs;
    if (o != null) {
      Dependencies needs = backends(o, database);
      if (together) {
        needs.checkOrFail();
      }
      ObsHttp ordersHttp = ObsHttp.create(o);
      OrderBook ordersBook = o.traced(OrderBook.class, new JdbcOrderBook(jdbc(o).wrap(database), config.slowQuery()));
      Javalin app = new OrdersService(ordersBook, () -> queue, queueSettings()).create(ordersHttp, needs);
      servers.add(0, app);
      try (Scope ignored = o.serviceScope()) {
        app.start(config.host(), config.ordersPort());
      }
      ordersPort = app.port();
      needs.keepChecking(checks, together ? Dependencies.RETRY_SECONDS : 0);
    }

    Obs g = gatewayObs;
    if (g != null) {
      URI ordersUrl = URI.create(ordersUrl());
      Dependencies needs = new Dependencies(g);
      HttpClient probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      needs.add("orders", "the orders service at " + ordersUrl, DemoConfig.setting("orders-url"), () -> {
        HttpResponse<Void> answer =
            probe.send(
                HttpRequest.newBuilder(ordersUrl.resolve("/healthy")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (answer.statusCode() != 200) {
          throw new IllegalStateException("GET /healthy answered " + answer.statusCode());
        }
      });
      ObsHttp gatewayHttp = ObsHttp.create(g);
      Javalin app = new Gateway(gatewayHttp, OrdersClient.create(config.ordersClient(), gatewayHttp), ordersUrl).create(gatewayHttp, needs);
      servers.add(0, app); // stopped first
      try (Scope ignored = g.serviceScope()) {
        app.start(config.host(), config.gatewayPort());
      }
      gatewayPort = app.port();
      needs.keepChecking(checks, 0);
    }
  }

  /** The database and the broker, as orders and the worker need them; the first check that passes connects. */
  private Dependencies backends(Obs obs, DataSource database) {
    Dependencies needs = new Dependencies(obs);
    boolean[] schema = {false};
    needs.add("database", "the database at " + config.jdbcUrl(), DemoConfig.setting("jdbc-url") + ", "
        + DemoConfig.setting("jdbc-user") + ", " + DemoConfig.setting("jdbc-password"), () -> {
          if (!schema[0]) {
            JdbcOrderBook.createSchema(database, config.jdbcUrl());
            schema[0] = true;
          } else {
            try (Connection connection = database.getConnection()) {
              if (!connection.isValid(2)) {
                throw new SQLException("the connection did not answer within 2 s");
              }
            }
          }
        });
    String queueKind = config.queueKind();
    if (!queueKind.equals("jvm_queue")) {
      String where = queueKind.equals("kafka") ? "Kafka at " + config.kafka() : "RabbitMQ at " + config.rabbitmq();
      needs.add(queueKind, where, queueSettings(), () -> {
        OrderQueue q = queue;
        if (q == null) {
          openQueue();
        } else {
          q.checkReachable();
        }
      });
    }
    return needs;
  }

  /** The settings that name the broker, for messages that say which one to fix. */
  private String queueSettings() {
    return switch (config.queueKind()) {
      case "kafka" -> DemoConfig.setting("kafka");
      case "rabbitmq" -> DemoConfig.setting("rabbitmq") + ", " + DemoConfig.setting("rabbitmq-user") + ", "
          + DemoConfig.setting("rabbitmq-password");
      default -> "--rabbitmq or --kafka";
    };
  }

  /**
   * The queue, opened once for the parts of this process: the orders side publishes with the orders handle,
   * the worker side consumes with the worker's (a part on its own uses its handle for both; the other side
   * stays unused).
   */
  private OrderQueue openQueue() {
    synchronized (queueLock) {
      OrderQueue q = queue;
      if (q != null) {
        return q;
      }
      Obs publisher = ordersObs != null ? ordersObs : workerObs;
      Obs consumer = workerObs != null ? workerObs : ordersObs;
      if (publisher == null || consumer == null) {
        throw new IllegalStateException("the gateway has no queue");
      }
      ObsMessaging publishing = ObsMessaging.create(publisher);
      ObsMessaging consuming = ObsMessaging.create(consumer);
      try (Scope ignored = publisher.serviceScope()) {
        q = switch (config.queueKind()) {
          case "kafka" -> new KafkaOrderQueue(config.kafka(), publishing, consumer, consuming);
          case "rabbitmq" -> new RabbitOrderQueue(
              config.rabbitmq(), config.rabbitmqUser(), config.rabbitmqPassword(), publishing, consumer, consuming);
          default -> new JvmOrderQueue(publishing, consumer, consuming, 1000);
        };
      } catch (IOException | TimeoutException e) {
        throw new UncheckedIOException(e instanceof IOException io ? io : new IOException(e.getMessage(), e));
      }
      queue = q;
      return q;
    }
  }

  /** Where the gateway finds orders: {@code --orders-url}, else this host's orders port. */
  String ordersUrl() {
    String url = config.ordersUrl();
    if (url != null) {
      return url;
    }
    String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    int port = ordersPort > 0 ? ordersPort : config.ordersPort();
    return "http://" + hostForUri(host) + ":" + port;
  }

  /** The compose stack's saved Kibana search for one trace id, as the Jaeger UI's link to it. */
  static final String KIBANA_LOGS_BY_TRACE_ID =
      "http://localhost:5601/app/discover#/view/obs-demo-logs-by-trace-id?_g=(time:(from:now-7d,to:now))"
          + "&_a=(query:(language:kuery,query:'trace.id:%22{traceId}%22'))";

  /**
   * The handle of one part; the demo closes them itself, after the servers, so no hook races it. What the
   * flags decide is forced: a host's {@code OTEL_SERVICE_NAME} must not give all three parts one name.
   */
  private Obs handle(String service) {
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
    if (config.part() == Part.ALL && ports.values().stream().allMatch(p -> p > 0)) {
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
    Obs obs = builder.build();
    handles.add(obs);
    last = obs;
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

  DemoConfig config() {
    return config;
  }

  /** Stops taking requests, lets those in flight finish, drains the queue, flushes every handle's spans. */
  @Override
  public void close() {
    checks.shutdownNow();
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
    Obs w = last;
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
