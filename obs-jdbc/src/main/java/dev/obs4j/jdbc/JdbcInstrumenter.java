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
import dev.obs4j.trace.SpanErrors;
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
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JDBC side of the shared lifecycle: names, attributes, tags and the slow-statement line. */
final class JdbcInstrumenter {
  private static final Logger slowLog = LoggerFactory.getLogger("dev.obs4j.jdbc.slow");
  private static final int SLOW_LINES_PER_SECOND = 10;

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("db.system.name");
  static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("db.namespace");
  static final AttributeKey<String> QUERY_TEXT = AttributeKey.stringKey("db.query.text");
  static final AttributeKey<String> QUERY_SUMMARY = AttributeKey.stringKey("db.query.summary");
  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("db.operation.name");
  static final AttributeKey<String> COLLECTION = AttributeKey.stringKey("db.collection.name");
  static final AttributeKey<String> STORED_PROCEDURE = AttributeKey.stringKey("db.stored_procedure.name");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("db.operation.batch.size");
  static final AttributeKey<Long> ROWS_AFFECTED = AttributeKey.longKey("db.response.affected_rows");
  static final AttributeKey<String> STATUS_CODE = AttributeKey.stringKey("db.response.status_code");
  static final AttributeKey<Long> VENDOR_CODE = AttributeKey.longKey("db.response.vendor_code");
  /** Of a failed batch: how many statements the driver reported on, and how many of those failed. */
  static final AttributeKey<Long> BATCH_REPORTED = AttributeKey.longKey("obs4j.db.batch.reported");
  static final AttributeKey<Long> BATCH_FAILED = AttributeKey.longKey("obs4j.db.batch.failed");

  /** The batch size of an execution that is not a batch. */
  static final int NOT_BATCH = -1;
  /** How many chained exceptions ({@code getNextException()}) a failed operation records as events. */
  private static final int MAX_NEXT_EXCEPTIONS = 8;

  /** The buckets of db.client.operation.duration, as the semantic conventions advise (seconds). */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
    Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  static final SqlInfo COMMIT = new SqlInfo("COMMIT", "COMMIT", null);
  static final SqlInfo ROLLBACK = new SqlInfo("ROLLBACK", "ROLLBACK", null);

  /**
   * What one execution records, worked out before its span starts: the span name, the attributes (which a
   * sampler sees) and the operation and collection for the duration histogram.
   */
  record Described(String name, Attributes attributes, String operation, String collection) {}

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

  /**
   * Runs one database operation in a CLIENT span under the current one. {@code batchSize} is
   * {@link #NOT_BATCH} for a single statement; {@code parameters} the captured bind values, or null.
   */
  <T> T run(DbInfo db, SqlInfo sql, int batchSize, @Nullable Map<Integer, String> parameters, Call<T> call)
      throws SQLException {
    return run(db, describe(db, sql, batchSize, parameters), null, null, call);
  }

  /**
   * As {@link #run(DbInfo, SqlInfo, int, Map, Call)} for the statement {@code raw} as the application wrote it
   * and its bound {@code values}, which are then taken out of the error message the database may quote them in.
   */
  <T> T run(DbInfo db, SqlInfo sql, @Nullable String raw, Object @Nullable [] values, int batchSize,
      @Nullable Map<Integer, String> parameters, Call<T> call) throws SQLException {
    return run(db, describe(db, sql, batchSize, parameters), raw, values, call);
  }

  /**
   * As {@link #run(DbInfo, SqlInfo, String, Object[], int, Map, Call)}, already described (a prepared statement
   * keeps it).
   */
  <T> T run(DbInfo db, Described described, @Nullable String raw, Object @Nullable [] values, Call<T> call)
      throws SQLException {
    Operation operation =
        operations.start(Context.current(), described.name(), SpanKind.CLIENT, described.attributes());
    T result = null;
    Throwable error = null;
    try (Scope ignored = operation.context().makeCurrent()) {
      result = call.call();
      return result;
    } catch (SQLException | RuntimeException | Error e) {
      error = e;
      throw e;
    } finally {
      end(operation, db, described, raw, values, result, error);
    }
  }

  /**
   * Times {@code getConnection} (in a pool, the wait for a free connection), tagged with the database the
   * connection reaches, which is known only once one is open: {@code wrap} describes it. A failure is
   * tagged with {@code systemOnFailure}, what the data source knew before.
   */
  Connection acquire(
      Call<Connection> call, Function<Connection, ObsConnection> wrap, Supplier<String> systemOnFailure)
      throws SQLException {
    long start = System.nanoTime();
    Connection connection;
    try {
      connection = call.call();
    } catch (SQLException | RuntimeException | Error e) {
      recordWait(systemOnFailure.get(), "failure", System.nanoTime() - start);
      throw e;
    }
    long elapsed = System.nanoTime() - start;
    ObsConnection wrapped = wrap.apply(connection);
    recordWait(wrapped.db.systemName(), "success", elapsed);
    return wrapped;
  }

  private void recordWait(String system, String outcome, long nanos) {
    try {
      Timer timer =
          ObsInternals.meters(operations).get(
              MeterKey.of(WAIT_TIMER, system, outcome),
              key ->
                  Timer.builder(WAIT_TIMER)
                      .description("Time spent obtaining a connection (getConnection)")
                      .tags("db.system.name", key.tag(0), "outcome", key.tag(1))
                      .register(operations.registry()));
      timer.record(nanos, TimeUnit.NANOSECONDS);
    } catch (RuntimeException ignored) {
      // never fail getConnection because of a meter
    }
  }

  /**
   * Names and attributes for one execution, as the database semantic conventions define them: the
   * operation ({@code BATCH INSERT} for a batch of more than one statement), the collection or, for a
   * call, the stored procedure, and {@code db.query.summary} (operation and target); the span is named
   * after the summary, else after the namespace, else after the database system.
   */
  Described describe(DbInfo db, SqlInfo sql, int batchSize, @Nullable Map<Integer, String> parameters) {
    boolean batch = batchSize >= 0 && batchSize != 1; // a batch of one is reported as what it is
    String operation = sql.operation();
    if (batch) {
      operation = operation == null ? "BATCH" : "BATCH " + operation;
    }
    boolean call = isCall(sql.operation());
    String collection = call ? null : sql.collection();
    String procedure = call ? sql.collection() : null;
    String target = call ? procedure : collection;
    String summary = operation == null ? null : target == null ? operation : operation + " " + target;

    AttributesBuilder attributes = Attributes.builder().put(SYSTEM, db.systemName());
    if (db.namespace() != null) {
      attributes.put(NAMESPACE, db.namespace());
    }
    if (!sql.text().isEmpty()) {
      attributes.put(QUERY_TEXT, sql.text());
    }
    if (summary != null) {
      attributes.put(QUERY_SUMMARY, summary);
    }
    if (operation != null) {
      attributes.put(OPERATION, operation);
    }
    if (collection != null) {
      attributes.put(COLLECTION, collection);
    }
    if (procedure != null) {
      attributes.put(STORED_PROCEDURE, procedure);
    }
    if (db.host() != null) {
      attributes.put(SERVER_ADDRESS, db.host());
      if (db.port() > 0) {
        attributes.put(SERVER_PORT, (long) db.port());
      }
    }
    if (batch) {
      attributes.put(BATCH_SIZE, (long) batchSize);
    }
    if (parameters != null && !batch) {
      parameters.forEach((index, value) -> attributes.put("db.query.parameter." + (index - 1), value));
    }
    String name = summary != null ? summary : db.namespace() != null ? db.namespace() : db.systemName();
    return new Described(
        name, attributes.build(), operation == null ? "" : operation, collection == null ? "" : collection);
  }

  private static boolean isCall(@Nullable String operation) {
    return "CALL".equals(operation) || "EXEC".equals(operation) || "EXECUTE".equals(operation);
  }

  private void end(
      Operation operation, DbInfo db, Described described, @Nullable String raw, Object @Nullable [] values,
      @Nullable Object result, @Nullable Throwable error) {
    Span span = operation.span();
    String errorType = "";
    try {
      long rows = rows(result);
      if (rows >= 0 && span.isRecording()) {
        span.setAttribute(ROWS_AFFECTED, rows);
      }
      if (error != null) {
        errorType = errorType(error);
        // Drivers quote the failing statement and the values they choke on: with sanitizing on, those are
        // taken out of every message that reaches the span, as they are out of db.query.text.
        UnaryOperator<String> scrub = sanitize ? m -> SqlSanitizer.scrub(m, raw, values, db.mysqlLike()) : null;
        SpanErrors.record(span, error, scrub);
        span.setAttribute(SpanErrors.ERROR_TYPE, errorType); // the SQLState where there is one
        if (error instanceof SQLException) {
          recordSqlError(span, (SQLException) error, scrub);
        }
      }
    } catch (RuntimeException ignored) {
      // never fail the statement because of tracing
    }
    long elapsed = operation.elapsedNanos();
    Runnable slow =
        elapsed >= slowNanos ? () -> logSlow(db, described.attributes().get(QUERY_TEXT), elapsed, operation.traceId()) : null;
    // the error is on the span already: the lifecycle only records the duration and ends the span
    operations.end(operation, null, false, null, timer(db, described, errorType), slow);
  }

  /**
   * {@code error.type} as the conventions define it for databases: the status code the database returned
   * (the SQLState, of the exception or else of the first chained one that has one), else the exception's
   * class.
   */
  static String errorType(Throwable error) {
    Throwable cause = SpanErrors.unwrap(error);
    if (cause instanceof SQLException) {
      int seen = 0;
      for (SQLException e = (SQLException) cause; e != null && seen <= MAX_NEXT_EXCEPTIONS; e = e.getNextException()) {
        String state = e.getSQLState();
        if (state != null && !state.isBlank()) {
          return state;
        }
        seen++;
      }
    }
    return cause.getClass().getName();
  }

  /**
   * SQLState and vendor code; for a batch, the update counts the driver did report (rows affected by the
   * statements that ran, how many were reported and how many failed); the chained exceptions as events.
   */
  private static void recordSqlError(Span span, SQLException e, @Nullable UnaryOperator<String> scrub) {
    if (!span.isRecording()) {
      return;
    }
    if (e.getSQLState() != null) {
      span.setAttribute(STATUS_CODE, e.getSQLState());
    }
    span.setAttribute(VENDOR_CODE, (long) e.getErrorCode());
    if (e instanceof BatchUpdateException) {
      long[] counts = ((BatchUpdateException) e).getLargeUpdateCounts();
      if (counts != null) {
        long rows = 0;
        long failed = 0;
        for (long count : counts) {
          rows += Math.max(count, 0);
          failed += count == Statement.EXECUTE_FAILED ? 1 : 0;
        }
        span.setAttribute(ROWS_AFFECTED, rows);
        span.setAttribute(BATCH_REPORTED, (long) counts.length);
        span.setAttribute(BATCH_FAILED, failed);
      }
    }
    SQLException next = e.getNextException();
    for (int i = 0; next != null && next != e && i < MAX_NEXT_EXCEPTIONS; i++) {
      SpanErrors.recordException(span, next, scrub);
      next = next.getNextException();
    }
  }

  private void logSlow(DbInfo db, @Nullable String text, long nanos, String traceId) {
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
        db.systemName(),
        TimeUnit.NANOSECONDS.toMillis(nanos),
        text == null ? "" : text,
        traceId);
  }

  /**
   * The histogram db.client.operation.duration for one combination of tags, as the conventions list them;
   * an attribute the operation does not have is an empty tag value (Prometheus reads it as absent).
   */
  private Timer timer(DbInfo db, Described described, String errorType) {
    String namespace = db.namespace() == null ? "" : db.namespace();
    String address = db.host() == null ? "" : db.host();
    String port = db.host() != null && db.port() > 0 ? Integer.toString(db.port()) : "";
    return ObsInternals.meters(operations).get(
        MeterKey.of(
            DURATION, db.systemName(), namespace, described.operation(), described.collection(), address, port,
            errorType),
        key ->
            Timer.builder(DURATION)
                .description("Duration of database client operations")
                .tags(Tags.of(
                    "db.system.name", key.tag(0), "db.namespace", key.tag(1), "db.operation.name", key.tag(2),
                    "db.collection.name", key.tag(3), "server.address", key.tag(4), "server.port", key.tag(5),
                    "error.type", key.tag(6)))
                .serviceLevelObjectives(BUCKETS)
                .register(operations.registry()));
  }

  private static final String DURATION = "db.client.operation.duration";

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
