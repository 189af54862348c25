/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks.overhead;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import dev.obs4j.jdbc.ObsJdbc;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The service the overhead harness measures: Javalin 7 with {@code GET /hello} and {@code GET /orders/{id}}
 * (a small JSON written by hand, so no JSON library's cost differs between runs). {@code --mode bare} is
 * the plain app (also the one the OpenTelemetry agent is attached to); {@code --mode obs4j} adds obs4j's
 * Javalin plugin with traces, RED metrics and log correlation, configured by the standard {@code OTEL_*}
 * settings. {@code GET /db/orders/{id}} is what the demo's orders service does for {@code GET /orders/{id}}: it
 * reads the order from H2 in memory through a connection pool (wrapped by {@code ObsJdbc} in obs4j mode, so
 * each request also has a JDBC span and a {@code db.client.operation.duration} histogram). {@code GET /async/orders/{id}}
 * is the same lookup answered with {@code ctx.future} from a pool of eight threads (wrapped by
 * {@code ObsContext.wrap} in obs4j mode, so that the JDBC span stays in the request's trace). {@code GET /_stats} answers the bytes every live thread has allocated, for allocation per
 * request.
 */
public final class OverheadApp {
  private OverheadApp() {}

  public static void main(String[] args) {
    String mode = "bare";
    int port = 8090;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--mode" -> mode = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--mode bare|obs4j, --port N)");
      }
    }
    Obs obs = mode.equals("obs4j") ? Obs.builder().serviceName("overhead-app").build() : null;
    if (!mode.equals("bare") && obs == null) {
      throw new IllegalArgumentException("--mode is bare or obs4j, not " + mode);
    }
    DataSource pool = orders();
    DataSource database = obs == null ? pool : ObsJdbc.create(obs).wrap(pool);
    // the application's own pool for /async: wrapped by obs4j so that the query stays in the request's trace
    ExecutorService threads = Executors.newFixedThreadPool(8);
    Executor async = obs == null ? threads : ObsContext.wrap(threads);
    Javalin.create(cfg -> {
          cfg.startup.showJavalinBanner = false;
          cfg.startup.showOldJavalinVersionWarning = false;
          if (obs != null) {
            cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
            cfg.routes.get("/metrics", ObsJavalin.metricsHandler(obs));
          }
          cfg.routes.get("/hello", ctx -> ctx.result("hello"));
          cfg.routes.get("/orders/{id}", ctx -> ctx.contentType("application/json").result(
              "{\"id\":\"" + ctx.pathParam("id") + "\",\"item\":\"book\",\"quantity\":1,\"status\":\"SHIPPED\"}"));
          cfg.routes.get("/db/orders/{id}", ctx -> order(database, ctx));
          cfg.routes.get("/async/orders/{id}", ctx -> ctx.future(() -> CompletableFuture.runAsync(() -> {
            try {
              order(database, ctx);
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          }, async)));
          cfg.routes.get("/_stats", ctx -> ctx.result(Long.toString(allocatedBytes())));
        })
        .start("127.0.0.1", port);
  }

  /** H2 in memory with 100 orders, behind H2's own connection pool (one connection per server thread). */
  private static DataSource orders() {
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:overhead;DB_CLOSE_DELAY=-1", "sa", "");
    pool.setMaxConnections(250);
    try (Connection connection = pool.getConnection(); Statement ddl = connection.createStatement()) {
      ddl.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(64), quantity INT, status VARCHAR(16))");
      ddl.execute("INSERT INTO orders SELECT x, 'book', 1, 'SHIPPED' FROM SYSTEM_RANGE(1, 100)");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the orders table", e);
    }
    return pool;
  }

  private static void order(DataSource database, Context ctx) throws SQLException {
    try (Connection connection = database.getConnection();
        PreparedStatement select =
            connection.prepareStatement("SELECT id, item, quantity, status FROM orders WHERE id = ?")) {
      select.setInt(1, Integer.parseInt(ctx.pathParam("id")));
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          ctx.status(404).result("{\"error\":\"no such order\"}");
          return;
        }
        ctx.contentType("application/json").result(
            "{\"id\":\"" + row.getInt(1) + "\",\"item\":\"" + row.getString(2) + "\",\"quantity\":"
                + row.getInt(3) + ",\"status\":\"" + row.getString(4) + "\"}");
      }
    }
  }

  /** Bytes allocated so far by every live thread (the server's pool threads live for the whole run). */
  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long allocated : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      if (allocated > 0) {
        total += allocated;
      }
    }
    return total;
  }
}
