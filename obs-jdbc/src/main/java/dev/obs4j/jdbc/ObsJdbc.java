/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import dev.obs4j.Obs;
import java.sql.Connection;
import java.time.Duration;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Traced, timed and sanitized database access through any JDBC driver or pool, as OpenTelemetry's database
 * semantic conventions define it: a CLIENT span per execution, commit and rollback, named after its
 * {@code db.query.summary} ({@code SELECT orders}, {@code BATCH INSERT orders}, {@code CALL add_one}) and
 * nested under the current span, with its attributes set before it starts; the histogram
 * {@code db.client.operation.duration} (seconds; tags {@code db.system.name}, {@code db.namespace},
 * {@code db.operation.name}, {@code db.collection.name}, {@code server.address}, {@code server.port},
 * {@code error.type}) with exemplars; the timer {@code db.client.connection.wait_time} for
 * {@code getConnection}; HikariCP's pool meters when the data source is a HikariCP pool; and one WARN line
 * per slow statement.
 *
 * <pre>{@code
 * DataSource dataSource = ObsJdbc.create(obs).wrap(hikariDataSource);
 * }</pre>
 *
 * <p>Statement text, plain or prepared, is recorded with its literals replaced by {@code ?} (a prepared
 * statement's own placeholders as written); bind values never, unless
 * {@link Builder#captureParameters(boolean)} says so. The server's address and port come from the connection's
 * URL, never a user name or password written in it. A {@link java.sql.SQLException} marks the span as an
 * error ({@code error.type} is its SQLState, or the exception's class without one) and reaches the caller
 * unchanged.
 */
public final class ObsJdbc {
  /**
   * Whether HikariCP and its Micrometer tracker can be loaded: checked here, by name, because
   * {@link HikariPoolMetrics} links against them and cannot be touched without them.
   */
  private static final boolean HIKARI =
      present("com.zaxxer.hikari.HikariDataSource", "com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory");

  private final JdbcInstrumenter instrumenter;
  private final Obs obs;
  private final boolean poolMetrics;

  private ObsJdbc(Builder builder) {
    this.instrumenter =
        new JdbcInstrumenter(builder.obs, builder.slowThreshold, builder.captureParameters, builder.sanitize);
    this.obs = builder.obs;
    this.poolMetrics = builder.poolMetrics;
  }

  /** JDBC instrumentation with the defaults (slow statements: 1 s). */
  public static ObsJdbc create(Obs obs) {
    return builder(obs).build();
  }

  /** Starts configuring JDBC instrumentation over {@code obs}. */
  public static Builder builder(Obs obs) {
    return new Builder(obs);
  }

  /**
   * A data source whose connections, statements and results are instrumented. When {@code dataSource} is
   * (or wraps) a HikariCP pool without metrics of its own, the pool reports HikariCP's meters to obs4j's
   * registry too (see {@link Builder#poolMetrics(boolean)}).
   */
  public DataSource wrap(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    if (dataSource instanceof ObsDataSource) {
      return dataSource;
    }
    if (poolMetrics && HIKARI) {
      HikariPoolMetrics.bind(dataSource, obs.meterRegistry());
    }
    return new ObsDataSource(dataSource, instrumenter);
  }

  /** An instrumented view of one connection. */
  public Connection wrap(Connection connection) {
    Objects.requireNonNull(connection, "connection");
    if (connection instanceof ObsConnection) {
      return connection;
    }
    return new ObsConnection(connection, instrumenter, instrumenter.describe(connection));
  }

  /** Configures {@link ObsJdbc}. */
  public static final class Builder {
    private final Obs obs;
    private Duration slowThreshold = Duration.ofSeconds(1);
    private boolean captureParameters;
    private boolean sanitize = true;
    private boolean poolMetrics = true;

    private Builder(Obs obs) {
      this.obs = Objects.requireNonNull(obs, "obs");
    }

    /** Statements slower than this log one WARN line (default 1 s; {@code Duration.ZERO} logs every one). */
    public Builder slowStatementThreshold(Duration threshold) {
      Objects.requireNonNull(threshold, "threshold");
      if (threshold.isNegative()) {
        throw new IllegalArgumentException("slowStatementThreshold must not be negative: " + threshold);
      }
      this.slowThreshold = threshold;
      return this;
    }

    /** Records prepared-statement bind values as {@code db.query.parameter.<n>} (default false: never). */
    public Builder captureParameters(boolean capture) {
      this.captureParameters = capture;
      return this;
    }

    /** Replaces literals in statement text, plain and prepared, with {@code ?} (default true). */
    public Builder sanitizeStatements(boolean sanitize) {
      this.sanitize = sanitize;
      return this;
    }

    /**
     * Whether a wrapped HikariCP pool reports HikariCP's own pool meters ({@code hikaricp.connections.active},
     * {@code .idle}, {@code .pending}, {@code .acquire}, {@code .usage} ...) to obs4j's registry, through
     * HikariCP's {@code MicrometerMetricsTrackerFactory} (default true). A pool that has a metrics tracker
     * or registry of its own is left as it is.
     */
    public Builder poolMetrics(boolean enabled) {
      this.poolMetrics = enabled;
      return this;
    }

    /** Builds the instrumentation. */
    public ObsJdbc build() {
      return new ObsJdbc(this);
    }
  }

  private static boolean present(String... classNames) {
    try {
      for (String name : classNames) {
        Class.forName(name, false, ObsJdbc.class.getClassLoader());
      }
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
