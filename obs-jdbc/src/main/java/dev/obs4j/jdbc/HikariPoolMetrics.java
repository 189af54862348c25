/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HikariCP's own pool meters ({@code hikaricp.connections.active}, {@code .idle}, {@code .pending},
 * {@code hikaricp.connections}, {@code .acquire}, {@code .usage} ..., tag {@code pool}) recorded in obs4j's
 * registry through Hikari's {@link MicrometerMetricsTrackerFactory}, when the data source is (or wraps) a
 * {@link HikariDataSource}. HikariCP is an optional dependency: this class links against it, so it is touched
 * only once {@link ObsJdbc} has seen that HikariCP is there (a guard inside this class would come too late:
 * the JVM fails to link the class before the guard runs).
 */
final class HikariPoolMetrics {
  private static final Logger log = LoggerFactory.getLogger(HikariPoolMetrics.class);

  private HikariPoolMetrics() {}

  /**
   * Has the Hikari pool behind {@code dataSource}, if any, report to {@code registry}; a pool that has a
   * metrics tracker or registry of its own already is left as it is. Never throws.
   */
  static void bind(DataSource dataSource, MeterRegistry registry) {
    try {
      HikariDataSource hikari = hikari(dataSource);
      if (hikari == null) {
        return;
      }
      synchronized (hikari) {
        if (hikari.getMetricsTrackerFactory() != null || hikari.getMetricRegistry() != null) {
          log.info("HikariCP pool {} reports its metrics already; obs4j leaves it as it is", hikari.getPoolName());
          return;
        }
        hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
      }
    } catch (RuntimeException | LinkageError e) {
      log.warn("Could not bind HikariCP pool metrics: {}", e.toString());
    }
  }

  private static @Nullable HikariDataSource hikari(DataSource dataSource) {
    if (dataSource instanceof HikariDataSource) {
      return (HikariDataSource) dataSource;
    }
    try {
      return dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
    } catch (SQLException | RuntimeException e) {
      return null;
    }
  }
}
