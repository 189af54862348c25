/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.obs4j.Obs;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** HikariCP's own pool meters on obs4j's registry, read on a real pool over a real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HikariPoolMetricsTest {
  private PostgresServer server;

  @BeforeAll
  void startServer() throws Exception {
    server = new PostgresServer();
  }

  @AfterAll
  void stopServer() throws Exception {
    server.close();
  }

  private HikariDataSource pool(String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(server.url());
    config.setUsername("postgres");
    config.setPoolName(name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setConnectionTimeout(2_000);
    return new HikariDataSource(config);
  }

  private static Obs obs() {
    return Obs.builder().serviceName("orders-db").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").build();
  }

  private static double gauge(MeterRegistry registry, String name, String pool) {
    var gauge = registry.find(name).tag("pool", pool).gauge();
    return gauge == null ? Double.NaN : gauge.value();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void hikariPool_activeIdlePendingTotal_useAndAcquireTimes_onObsRegistry() throws Exception {
    try (Obs obs = obs(); HikariDataSource hikari = pool("orders-pool", 1)) {
      DataSource dataSource = ObsJdbc.create(obs).wrap(hikari);
      MeterRegistry registry = obs.meterRegistry();
      await(() -> gauge(registry, "hikaricp.connections.idle", "orders-pool") == 1, "one idle connection");
      assertThat(gauge(registry, "hikaricp.connections", "orders-pool")).isEqualTo(1);
      assertThat(gauge(registry, "hikaricp.connections.active", "orders-pool")).isZero();
      assertThat(gauge(registry, "hikaricp.connections.max", "orders-pool")).isEqualTo(1);

      CompletableFuture<Void> waiter;
      try (Connection held = dataSource.getConnection()) {
        try (Statement s = held.createStatement()) {
          s.execute("SELECT 1");
        }
        // HikariCP refreshes its pool statistics at most once a second
        await(() -> gauge(registry, "hikaricp.connections.active", "orders-pool") == 1, "one active connection");
        assertThat(gauge(registry, "hikaricp.connections.idle", "orders-pool")).isZero();
        // the pool is exhausted: a second caller waits
        waiter = CompletableFuture.runAsync(() -> {
          try (Connection second = dataSource.getConnection()) {
            second.isValid(1);
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
        await(() -> gauge(registry, "hikaricp.connections.pending", "orders-pool") >= 1, "a pending caller");
        Thread.sleep(50);
      }
      waiter.get(5, TimeUnit.SECONDS);
      await(() -> gauge(registry, "hikaricp.connections.pending", "orders-pool") == 0, "no pending caller");
      await(() -> gauge(registry, "hikaricp.connections.active", "orders-pool") == 0, "no active connection");

      var acquire = registry.get("hikaricp.connections.acquire").tag("pool", "orders-pool").timer();
      assertThat(acquire.count()).isGreaterThanOrEqualTo(2);
      assertThat(acquire.max(TimeUnit.MILLISECONDS)).as("the second caller waited for the first").isGreaterThanOrEqualTo(40);
      var usage = registry.get("hikaricp.connections.usage").tag("pool", "orders-pool").timer();
      assertThat(usage.count()).isGreaterThanOrEqualTo(2);
      assertThat(usage.max(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(40);
      // beside obs4j's own wait timer
      assertThat(registry.get("db.client.connection.wait_time").tag("db.system.name", "postgresql")
          .timer().count()).isGreaterThanOrEqualTo(2);
      assertThat(obs.meterRegistry().scrape()).contains("hikaricp_connections_active{").contains("pool=\"orders-pool\"");
    }
  }

  @Test
  void poolWithItsOwnMetricsTracker_isLeftAlone() throws Exception {
    try (Obs obs = obs(); Obs other = obs(); HikariDataSource hikari = pool("own-pool", 1)) {
      hikari.setMetricRegistry(other.meterRegistry());
      DataSource dataSource = ObsJdbc.create(obs).wrap(hikari);
      try (Connection c = dataSource.getConnection()) {
        assertThat(c.isValid(1)).isTrue();
      }
      assertThat(obs.meterRegistry().find("hikaricp.connections").gauges()).isEmpty();
      assertThat(other.meterRegistry().find("hikaricp.connections").tag("pool", "own-pool").gauge()).isNotNull();
      // said once, calmly: not a failure to bind (HikariCP would refuse a second tracker)
      assertThat(java.nio.file.Files.readAllLines(java.nio.file.Path.of("target/obs4j-test.log")))
          .filteredOn(line -> line.contains("own-pool") && line.contains("dev.obs4j.jdbc.HikariPoolMetrics"))
          .singleElement()
          .satisfies(line -> assertThat(line).contains("\"INFO\"").contains("reports its metrics already"));
    }
  }
}
