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
 * Traced, timed and sanitized database access through any JDBC driver or pool: a CLIENT span per
 * execution, commit and rollback (named {@code SELECT orders}, nested under the current span), the timer
 * {@code db.client.operations} (tags {@code system}, {@code operation}, {@code collection},
 * {@code outcome}) with exemplars, the timer {@code db.client.connection.wait_time} for
 * {@code getConnection}, and one WARN line per slow statement.
 *
 * <pre>{@code
 * DataSource dataSource = ObsJdbc.create(obs).wrap(hikariDataSource);
 * }</pre>
 *
 * <p>Statement text, plain or prepared, is recorded with its literals replaced by {@code ?} (a prepared
 * statement's own placeholders as written); bind values never, unless
 * {@link Builder#captureParameters(boolean)} says so. The server's address and port come from the connection's
 * URL, never a user name or password written in it. A
 * {@link java.sql.SQLException} marks the span as an error (SQLState, vendor code) and reaches the caller
 * unchanged.
 */
public final class ObsJdbc {
  private final JdbcInstrumenter instrumenter;

  private ObsJdbc(Builder builder) {
    this.instrumenter =
        new JdbcInstrumenter(builder.obs, builder.slowThreshold, builder.captureParameters, builder.sanitize);
  }

  /** JDBC instrumentation with the defaults (slow statements: 1 s). */
  public static ObsJdbc create(Obs obs) {
    return builder(obs).build();
  }

  /** Starts configuring JDBC instrumentation over {@code obs}. */
  public static Builder builder(Obs obs) {
    return new Builder(obs);
  }

  /** A data source whose connections, statements and results are instrumented. */
  public DataSource wrap(DataSource dataSource) {
    Objects.requireNonNull(dataSource, "dataSource");
    return dataSource instanceof ObsDataSource ? dataSource : new ObsDataSource(dataSource, instrumenter);
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

    /** Builds the instrumentation. */
    public ObsJdbc build() {
      return new ObsJdbc(this);
    }
  }
}
