/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import dev.obs4j.jdbc.ObsJdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.h2.jdbcx.JdbcDataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A trivial prepared query on H2 in memory ({@code SELECT total FROM orders WHERE id = ?}, one row),
 * executed and read on one open connection: raw, and through {@code ObsJdbc} with the span sampled.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class JdbcBenchmark {

  private Obs obs;
  private Connection rawConnection;
  private Connection wrappedConnection;
  private PreparedStatement raw;
  private PreparedStatement wrapped;

  @Setup(Level.Trial)
  public void setUp() throws SQLException {
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:bench;DB_CLOSE_DELAY=-1");
    obs = Discard.obs().build();
    rawConnection = h2.getConnection();
    try (Statement s = rawConnection.createStatement()) {
      s.execute("CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2))");
      s.execute("INSERT INTO orders VALUES (17, 9.50)");
    }
    wrappedConnection = ObsJdbc.create(obs).wrap(h2).getConnection();
    raw = rawConnection.prepareStatement("SELECT total FROM orders WHERE id = ?");
    wrapped = wrappedConnection.prepareStatement("SELECT total FROM orders WHERE id = ?");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws SQLException {
    raw.close();
    wrapped.close();
    wrappedConnection.close();
    rawConnection.close();
    obs.close();
  }

  private static Object query(PreparedStatement statement) throws SQLException {
    statement.setInt(1, 17);
    try (ResultSet rs = statement.executeQuery()) {
      rs.next();
      return rs.getBigDecimal(1);
    }
  }

  @Benchmark
  public Object raw() throws SQLException {
    return query(raw);
  }

  @Benchmark
  public Object wrapped_sampled() throws SQLException {
    return query(wrapped);
  }
}
