/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import dev.obs4j.Obs;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What reading a statement's text costs on the request path once it is hot: {@code JdbcInstrumenter.statement},
 * the sanitize cache in front of the sanitizer (the span and the database are left out). In package
 * {@code dev.obs4j.jdbc}, since the instrumenter is package-private; the benchmarks jar puts both on one
 * class path. The calls are those of every obs4j version since the cache came, so one class measures the
 * code before and after a change.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class SqlCacheBenchmark {
  private static final String NO_LITERALS = "SELECT id, status, total FROM orders WHERE customer_id = ? AND status = ?";
  private static final String WITH_LITERALS =
      "SELECT id, status, total FROM orders WHERE customer_id = 42 AND status = 'shipped'";
  private static final String AFTER_FLOOD = "SELECT id, total FROM invoices WHERE status = 'open' AND due < 30";

  /** Distinct texts read before the measured ones (a table per tenant, a value in the text, ...). */
  @Param({"0", "5000"})
  public int others;

  private Obs obs;
  private JdbcInstrumenter instrumenter;
  private DbInfo db;
  private String status = "shipped"; // a field, so the per-call text is really built per call

  @Setup(Level.Trial)
  public void setUp() {
    obs = Obs.builder().serviceName("bench").tracesExporter("none").shutdownHook(false)
        .set("OBS4J_METRICS_JVM", "false").build();
    instrumenter = new JdbcInstrumenter(obs, Duration.ofSeconds(1), false, true);
    db = DbInfo.parse("jdbc:postgresql://db1:5432/shop");
    for (int i = 0; i < others; i++) {
      instrumenter.statement(db, "SELECT * FROM events_" + i + " WHERE id = " + i);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    obs.close();
  }

  /** A constant without literals, as prepared statements and most ORM statements are. */
  @Benchmark
  public SqlInfo hot_noLiterals() {
    return instrumenter.statement(db, NO_LITERALS);
  }

  /** A constant with literals in it. */
  @Benchmark
  public SqlInfo hot_withLiterals() {
    return instrumenter.statement(db, WITH_LITERALS);
  }

  /** The same text with literals, built anew for every call (its hash is not cached in the string). */
  @Benchmark
  public SqlInfo hot_builtPerCall() {
    return instrumenter.statement(db,
        "SELECT id, status, total FROM orders WHERE customer_id = 42 AND status = '" + status + "'");
  }

  /** A constant with literals, not read before the trial (with {@code others}, first seen after them). */
  @Benchmark
  public SqlInfo hot_firstSeenLast() {
    return instrumenter.statement(db, AFTER_FLOOD);
  }
}
