/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import dev.obs4j.Obs;
import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import dev.obs4j.internal.MeterKey;
import dev.obs4j.internal.ObsInternals;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JDBC side of the shared lifecycle: names, attributes, tags and the slow-statement line. */
final class JdbcInstrumenter {
  private static final Logger slowLog = LoggerFactory.getLogger("dev.obs4j.jdbc.slow");
  private static final int SLOW_LINES_PER_SECOND = 10;

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("db.system");
  static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("db.namespace");
  static final AttributeKey<String> QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<String> COLLECTION = AttributeKey.stringKey("db.collection.name");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("db.operation.batch.size");
  static final AttributeKey<Long> ROWS_AFFECTED = AttributeKey.longKey("db.response.affected_rows");
  static final AttributeKey<String> STATUS_CODE = AttributeKey.stringKey("db.response.status_code");
  static final AttributeKey<Long> VENDOR_CODE = AttributeKey.longKey("db.response.vendor_code");

  static final SqlInfo COMMIT = new SqlInfo("COMMIT", "COMMIT", null);
  static final SqlInfo ROLLBACK = new SqlInfo("ROLLBACK", "ROLLBACK", null);

  /** A JDBC call that may throw. */
  @FunctionalInterface
  interface Call<T> {
    T call() throws SQLException;
  }

  private final Operations operations;
  private final long slowNanos;
  private final boolean captureParameters;
  private final boolean sanitize;
  private final SqlCache sqlCache = new SqlCache();
  private final Counter slowStatements;
  private final AtomicInteger slowLines = new AtomicInteger();
  private volatile long slowSecond;

  JdbcInstrumenter(Obs obs, Duration slowThreshold, boolean captureParameters, boolean sanitize) {
    this.operations = obs.operations();
    this.slowNanos = slowThreshold.toNanos();
    this.captureParameters = captureParameters;
    this.sanitize = sanitize;
    this.slowStatements =
        Counter.builder("db.client.slow.statements")
            .description("Statements slower than the slow-statement threshold")
            .register(operations.registry());
  }

  boolean captureParameters() {
    return captureParameters;
  }

  /** The database behind {@code connection}, from its URL; never throws. */
  DbInfo describe(Connection connection) {
    try {
      return DbInfo.parse(connection.getMetaData().getURL());
    } catch (SQLException | RuntimeException e) {
      return DbInfo.UNKNOWN;
    }
  }

  SqlInfo statement(DbInfo db, @Nullable String sql) {
    if (sql == null) {
      return new SqlInfo("", null, null);
    }
    return sqlCache.get(sql, db.mysqlLike(), sanitize ? SqlCache.Kind.STATEMENT : SqlCache.Kind.RAW);
  }

  /** A prepared statement's text: sanitized too (literals may be concatenated into it), placeholders kept. */
  SqlInfo prepared(DbInfo db, @Nullable String sql) {
    if (sql == null) {
      return new SqlInfo("", null, null);
    }
    return sqlCache.get(sql, db.mysqlLike(), sanitize ? SqlCache.Kind.PREPARED : SqlCache.Kind.RAW);
  }

  /** Runs one database operation in a CLIENT span under the current one. */
  <T> T run(DbInfo db, SqlInfo sql, int batchSize, @Nullable Map<Integer, String> parameters, Call<T> call)
      throws SQLException {
    return run(db, sql, null, batchSize, parameters, call);
  }

  /**
   * As {@link #run(DbInfo, SqlInfo, int, Map, Call)}, with the span's attributes already built when they do
   * not change between executions (a prepared statement without captured parameters).
   */
  <T> T run(
      DbInfo db,
      SqlInfo sql,
      @Nullable Attributes prebuilt,
      int batchSize,
      @Nullable Map<Integer, String> parameters,
      Call<T> call)
      throws SQLException {
    Operation operation =
        operations.start(Context.current(), sql.spanName(db.system()), SpanKind.CLIENT, Attributes.empty());
    Span span = operation.span();
    if (span.isRecording()) {
      span.setAllAttributes(prebuilt != null ? prebuilt : attributes(db, sql, batchSize, parameters));
    }
    T result = null;
    Throwable error = null;
    try (Scope ignored = operation.context().makeCurrent()) {
      result = call.call();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      error = e;
      throw e;
    } finally {
      end(operation, db, sql, result, error);
    }
  }

  /** Times {@code getConnection} (in a pool, the wait for a free connection). */
  <T> T acquire(String system, Call<T> call) throws SQLException {
    long start = System.nanoTime();
    String outcome = "failure";
    try {
      T connection = call.call();
      outcome = "success";
      return connection;
    } finally {
      long elapsed = System.nanoTime() - start;
      Timer timer =
          ObsInternals.meters(operations).get(
              MeterKey.of(WAIT_TIMER, system, outcome),
              key ->
                  Timer.builder(WAIT_TIMER)
                      .description("Time spent obtaining a connection (getConnection)")
                      .tags("system", key.tag(0), "outcome", key.tag(1))
                      .register(operations.registry()));
      timer.record(elapsed, TimeUnit.NANOSECONDS);
    }
  }

  Attributes attributes(DbInfo db, SqlInfo sql, int batchSize, @Nullable Map<Integer, String> parameters) {
    AttributesBuilder attributes = Attributes.builder().put(SYSTEM, db.system());
    if (db.namespace() != null) {
      attributes.put(NAMESPACE, db.namespace());
    }
    if (!sql.text().isEmpty()) {
      attributes.put(QUERY_TEXT, sql.text());
    }
    if (sql.operation() != null) {
      attributes.put(OPERATION, sql.operation());
    }
    if (sql.collection() != null) {
      attributes.put(COLLECTION, sql.collection());
    }
    if (db.host() != null) {
      attributes.put(SERVER_ADDRESS, db.host());
      if (db.port() > 0) {
        attributes.put(SERVER_PORT, (long) db.port());
      }
    }
    if (batchSize > 1) {
      attributes.put(BATCH_SIZE, (long) batchSize);
    }
    if (parameters != null) {
      parameters.forEach((index, value) -> attributes.put("db.query.parameter." + (index - 1), value));
    }
    return attributes.build();
  }

  private void end(Operation operation, DbInfo db, SqlInfo sql, @Nullable Object result, @Nullable Throwable error) {
    Span span = operation.span();
    long rows = rows(result);
    if (rows >= 0 && span.isRecording()) {
      span.setAttribute(ROWS_AFFECTED, rows);
    }
    if (error instanceof SQLException && span.isRecording()) {
      SQLException e = (SQLException) error;
      if (e.getSQLState() != null) {
        span.setAttribute(STATUS_CODE, e.getSQLState());
      }
      span.setAttribute(VENDOR_CODE, (long) e.getErrorCode());
    }
    long elapsed = operation.elapsedNanos();
    Runnable slow = elapsed >= slowNanos ? () -> logSlow(db, sql, elapsed, operation.traceId()) : null;
    operations.end(
        operation,
        error,
        error != null,
        error == null ? null : error.getClass().getName(),
        timer(db.system(), sql, error == null ? "success" : "failure"),
        slow);
  }

  private void logSlow(DbInfo db, SqlInfo sql, long nanos, String traceId) {
    slowStatements.increment();
    // At most SLOW_LINES_PER_SECOND lines a second, so a slow database cannot flood the logs; the counter
    // keeps the full count. Races between threads only let a line or two more through.
    long second = System.nanoTime() / 1_000_000_000L;
    if (second != slowSecond) {
      slowSecond = second;
      slowLines.set(0);
    }
    if (slowLines.incrementAndGet() > SLOW_LINES_PER_SECOND) {
      return;
    }
    slowLog.warn(
        "Slow {} statement took {} ms: {} trace_id={}",
        db.system(),
        TimeUnit.NANOSECONDS.toMillis(nanos),
        sql.text(),
        traceId);
  }

  private Timer timer(String system, SqlInfo sql, String outcome) {
    String operation = sql.operation() == null ? "unknown" : sql.operation();
    String collection = sql.collection() == null ? "none" : sql.collection();
    return ObsInternals.meters(operations).get(
        MeterKey.of(OPERATIONS_TIMER, system, operation, collection, outcome),
        key ->
            Timer.builder(OPERATIONS_TIMER)
                .description("Database operations: statement executions, commits and rollbacks")
                .tags(Tags.of(
                    "system", key.tag(0), "operation", key.tag(1),
                    "collection", key.tag(2), "outcome", key.tag(3)))
                .publishPercentileHistogram()
                .register(operations.registry()));
  }

  private static final String OPERATIONS_TIMER = "db.client.operations";

  private static final String WAIT_TIMER = "db.client.connection.wait_time";

  private static long rows(@Nullable Object result) {
    if (result instanceof Integer) {
      return (Integer) result;
    }
    if (result instanceof Long) {
      return (Long) result;
    }
    long sum = 0;
    if (result instanceof int[]) {
      for (int r : (int[]) result) {
        sum += Math.max(r, 0);
      }
      return sum;
    }
    if (result instanceof long[]) {
      for (long r : (long[]) result) {
        sum += Math.max(r, 0);
      }
      return sum;
    }
    return -1;
  }
}
