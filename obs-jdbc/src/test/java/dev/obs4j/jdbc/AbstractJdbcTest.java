/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.apache.logging.log4j.layout.template.json.util.JsonReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What every database gets from ObsJdbc, run against a real database per subclass. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractJdbcTest {
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  Obs obs;
  DataSource dataSource;
  DataSource withParameters;

  /** The raw data source of the database under test. */
  abstract DataSource rawDataSource() throws Exception;

  /** db.system the database reports as. */
  abstract String system();

  /** db.namespace expected. */
  abstract String namespace();

  /** server.port expected, or null for an embedded database. */
  abstract Long serverPort();

  /** A statement that takes at least 100 ms. */
  abstract String slowStatement();

  /** SQLState of a missing table. */
  abstract String missingTableState();

  /** Creates the function add_one(int) returning its argument plus one. */
  abstract String createAddOne();

  @BeforeAll
  void setUp() throws Exception {
    obs = Obs.builder().serviceName("orders-db").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
        .addSpanProcessor(SimpleSpanProcessor.create(spans))
        .addSpanProcessor(new io.opentelemetry.sdk.trace.SpanProcessor() {
          @Override
          public void onStart(io.opentelemetry.context.Context parent, io.opentelemetry.sdk.trace.ReadWriteSpan span) {
            atStart.put(span.getName(), span.toSpanData().getAttributes());
          }

          @Override
          public boolean isStartRequired() {
            return true;
          }

          @Override
          public void onEnd(io.opentelemetry.sdk.trace.ReadableSpan span) {}

          @Override
          public boolean isEndRequired() {
            return false;
          }
        })
        .build();
    DataSource raw = rawDataSource();
    dataSource = ObsJdbc.builder(obs).slowStatementThreshold(Duration.ofMillis(90)).build().wrap(raw);
    withParameters = ObsJdbc.builder(obs).captureParameters(true).build().wrap(raw);
    try (Connection c = raw.getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS orders");
      s.execute("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(20), total DECIMAL(10,2))");
      s.execute(createAddOne());
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    obs.close();
  }

  @BeforeEach
  void clean() throws Exception {
    try (Connection c = rawDataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM orders");
    }
    spans.reset();
  }

  SpanData only() {
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).hasSize(1);
    return all.get(0);
  }

  static String attr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.stringKey(key));
  }

  static Long longAttr(SpanData span, String key) {
    return span.getAttributes().get(AttributeKey.longKey(key));
  }

  /** Executions in db.client.operation.duration; empty tag values stand for absent attributes. */
  long count(String operation, String collection, String errorType) {
    Timer timer = obs.meterRegistry().find("db.client.operation.duration")
        .tags("db.system.name", system(), "db.operation.name", operation, "db.collection.name", collection,
            "error.type", errorType)
        .timer();
    return timer == null ? 0 : timer.count();
  }

  /** Attributes each span had when it started (what a sampler sees), by span name. */
  final Map<String, io.opentelemetry.api.common.Attributes> atStart = new java.util.concurrent.ConcurrentHashMap<>();

  /** A data source that builds connections with createConnectionBuilder(), which neither driver offers. */
  static DataSource withConnectionBuilder(DataSource raw) {
    return (DataSource) java.lang.reflect.Proxy.newProxyInstance(
        AbstractJdbcTest.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
          if (method.getName().equals("createConnectionBuilder")) {
            return new java.sql.ConnectionBuilder() {
              @Override
              public java.sql.ConnectionBuilder user(String username) {
                return this;
              }

              @Override
              public java.sql.ConnectionBuilder password(String password) {
                return this;
              }

              @Override
              public java.sql.ConnectionBuilder shardingKey(java.sql.ShardingKey shardingKey) {
                return this;
              }

              @Override
              public java.sql.ConnectionBuilder superShardingKey(java.sql.ShardingKey superShardingKey) {
                return this;
              }

              @Override
              public Connection build() throws SQLException {
                return raw.getConnection();
              }
            };
          }
          try {
            return method.invoke(raw, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void statement_sanitizedText_operationTable_connectionAttributes_andMetric() throws Exception {
    long before = count("SELECT", "orders", "");
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT id, status FROM orders WHERE id = 42 AND status = 'shipped' AND total > 10.5")) {
        assertThat(rs.next()).isFalse();
      }
    }
    SpanData span = only();
    assertThat(span.getName()).isEqualTo("SELECT orders");
    assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(attr(span, "db.query.text")).isEqualTo("SELECT id, status FROM orders WHERE id = ? AND status = ? AND total > ?");
    assertThat(attr(span, "db.operation.name")).isEqualTo("SELECT");
    assertThat(attr(span, "db.collection.name")).isEqualTo("orders");
    assertThat(attr(span, "db.system.name")).isEqualTo(system());
    assertThat(span.getAttributes().get(AttributeKey.stringKey("db.system"))).isNull();
    assertThat(attr(span, "db.query.summary")).isEqualTo("SELECT orders");
    // set before the span started, so a sampler decides with them
    assertThat(atStart.get("SELECT orders").asMap()).containsAllEntriesOf(Map.of(
        AttributeKey.stringKey("db.system.name"), system(),
        AttributeKey.stringKey("db.operation.name"), "SELECT",
        AttributeKey.stringKey("db.collection.name"), "orders",
        AttributeKey.stringKey("db.query.summary"), "SELECT orders",
        AttributeKey.stringKey("db.namespace"), namespace()));
    assertThat(attr(span, "db.namespace")).isEqualTo(namespace());
    if (serverPort() != null) {
      assertThat(attr(span, "server.address")).isEqualTo("127.0.0.1");
      assertThat(longAttr(span, "server.port")).isEqualTo(serverPort());
    }
    // (the server port is a number that may well contain 42: it is not a literal of the statement)
    assertThat(span.getAttributes().asMap().entrySet().stream()
            .filter(e -> !e.getKey().getKey().equals("server.port"))
            .map(e -> String.valueOf(e.getValue())).toList().toString())
        .doesNotContain("shipped").doesNotContain("42");
    assertThat(count("SELECT", "orders", "")).isEqualTo(before + 1);
    Timer duration = obs.meterRegistry().get("db.client.operation.duration")
        .tags("db.system.name", system(), "db.operation.name", "SELECT", "db.collection.name", "orders",
            "db.namespace", namespace(), "error.type", "",
            "server.address", serverPort() == null ? "" : "127.0.0.1",
            "server.port", serverPort() == null ? "" : String.valueOf(serverPort()))
        .timer();
    assertThat(duration.takeSnapshot().histogramCounts())
        .extracting(b -> b.bucket(java.util.concurrent.TimeUnit.SECONDS))
        .containsExactly(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0);
    assertThat(obs.meterRegistry().scrape())
        .contains("db_client_operation_duration_seconds_bucket{")
        .contains("le=\"0.005\"")
        .doesNotContain("db_client_operations");
    assertThat(obs.meterRegistry().get("db.client.connection.wait_time").tag("outcome", "success").timer().count()).isPositive();
  }

  @Test
  void updates_executes_andRowsAffected() throws Exception {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("INSERT INTO orders (id, status, total) VALUES (1, 'new', 9.50)")).isEqualTo(1);
      assertThat(s.execute("UPDATE orders SET status = 'paid' WHERE id = 1")).isFalse();
      assertThat(s.executeLargeUpdate("DELETE FROM orders WHERE id IN (1, 2, 3)")).isEqualTo(1);
    }
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).extracting(SpanData::getName).containsExactly("INSERT orders", "UPDATE orders", "DELETE orders");
    assertThat(attr(all.get(0), "db.query.text")).isEqualTo("INSERT INTO orders (id, status, total) VALUES (?, ?, ?)");
    assertThat(longAttr(all.get(0), "db.response.affected_rows")).isEqualTo(1L);
    assertThat(attr(all.get(2), "db.query.text")).isEqualTo("DELETE FROM orders WHERE id IN (?)");
    assertThat(longAttr(all.get(2), "db.response.affected_rows")).isEqualTo(1L);
  }

  @Test
  void prepared_textAsWritten_bindValuesOnlyWhenAskedFor() throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement p = c.prepareStatement("INSERT INTO orders (id, status, total) VALUES (?, ?, ?)")) {
      p.setInt(1, 7);
      p.setString(2, "secret-status");
      p.setBigDecimal(3, new java.math.BigDecimal("12.30"));
      assertThat(p.executeUpdate()).isEqualTo(1);
    }
    SpanData span = only();
    assertThat(attr(span, "db.query.text")).isEqualTo("INSERT INTO orders (id, status, total) VALUES (?, ?, ?)");
    assertThat(span.getAttributes().asMap().values().toString()).doesNotContain("secret-status");

    spans.reset();
    try (Connection c = withParameters.getConnection();
        PreparedStatement p = c.prepareStatement("SELECT * FROM orders WHERE status = ? AND id = ?")) {
      p.setString(1, "secret-status");
      p.setInt(2, 7);
      try (ResultSet rs = p.executeQuery()) {
        assertThat(rs.next()).isTrue();
      }
    }
    SpanData withValues = only();
    assertThat(withValues.getName()).isEqualTo("SELECT orders");
    assertThat(attr(withValues, "db.query.parameter.0")).isEqualTo("secret-status");
    assertThat(attr(withValues, "db.query.parameter.1")).isEqualTo("7");
  }

  @Test
  void batches_recordTheirSize_andMixedStatementBatchesAreNamedBatch() throws Exception {
    try (Connection c = dataSource.getConnection();
        PreparedStatement p = c.prepareStatement("INSERT INTO orders (id, status) VALUES (?, ?)")) {
      for (int i = 1; i <= 3; i++) {
        p.setInt(1, i);
        p.setString(2, "s" + i);
        p.addBatch();
      }
      assertThat(p.executeBatch()).hasSize(3);
    }
    SpanData batch = only();
    assertThat(batch.getName()).isEqualTo("BATCH INSERT orders");
    assertThat(attr(batch, "db.operation.name")).isEqualTo("BATCH INSERT");
    assertThat(attr(batch, "db.query.summary")).isEqualTo("BATCH INSERT orders");
    assertThat(attr(batch, "db.collection.name")).isEqualTo("orders");
    assertThat(longAttr(batch, "db.operation.batch.size")).isEqualTo(3L);
    assertThat(count("BATCH INSERT", "orders", "")).isPositive();
    assertThat(longAttr(batch, "db.response.affected_rows")).isEqualTo(3L);

    spans.reset();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.addBatch("UPDATE orders SET status = 'x' WHERE id = 1");
      s.addBatch("DELETE FROM orders WHERE id = 2");
      s.executeBatch();
    }
    SpanData mixed = only();
    assertThat(mixed.getName()).isEqualTo("BATCH");
    assertThat(attr(mixed, "db.operation.name")).isEqualTo("BATCH");
    assertThat(attr(mixed, "db.query.text"))
        .isEqualTo("UPDATE orders SET status = ? WHERE id = ?; DELETE FROM orders WHERE id = ?");
    assertThat(longAttr(mixed, "db.operation.batch.size")).isEqualTo(2L);
  }

  @Test
  void commitAndRollback_areSpans_andRollbackUndoes() throws Exception {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO orders (id, status) VALUES (10, 'tx')");
      }
      c.rollback();
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO orders (id, status) VALUES (11, 'tx')");
      }
      c.commit();
      c.setAutoCommit(true);
    }
    assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName)
        .containsExactly("INSERT orders", "ROLLBACK", "INSERT orders", "COMMIT");
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM orders ORDER BY id")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getInt(1)).isEqualTo(11);
      assertThat(rs.next()).isFalse();
    }
    assertThat(count("ROLLBACK", "", "")).isPositive();
  }

  @Test
  void sqlError_marksTheSpan_andIsRethrownUnchanged() throws Exception {
    long failures = count("SELECT", "missing_table", missingTableState());
    SQLException[] thrown = new SQLException[1];
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM missing_table WHERE id = 5"))
          .isInstanceOf(SQLException.class)
          .satisfies(e -> thrown[0] = (SQLException) e);
    }
    assertThat(thrown[0].getClass().getName()).doesNotContain("obs4j");
    SpanData span = only();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attr(span, "db.response.status_code")).isEqualTo(missingTableState());
    assertThat(attr(span, "error.type")).isEqualTo(missingTableState()); // the SQLState, as the conventions prefer
    assertThat(longAttr(span, "db.response.vendor_code")).isEqualTo((long) thrown[0].getErrorCode());
    assertThat(span.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    assertThat(count("SELECT", "missing_table", missingTableState())).isEqualTo(failures + 1);
  }

  @Test
  void statements_nestUnderTheCurrentSpan() throws Exception {
    obs.runInSpan("GET /orders/{id}", () -> {
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.executeQuery("SELECT * FROM orders").close();
      }
    });
    Map<String, SpanData> byName = new java.util.HashMap<>();
    spans.getFinishedSpanItems().forEach(s -> byName.put(s.getName(), s));
    assertThat(byName.get("SELECT orders").getParentSpanId()).isEqualTo(byName.get("GET /orders/{id}").getSpanId());
    assertThat(byName.get("SELECT orders").getTraceId()).isEqualTo(byName.get("GET /orders/{id}").getTraceId());
  }

  @Test
  @SuppressWarnings("unchecked")
  void slowStatement_logsOneWarnLine_withSanitizedTextDurationAndTraceId() throws Exception {
    String traceId = obs.inSpan("slow job", () -> {
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute(slowStatement());
      }
      return io.opentelemetry.api.trace.Span.current().getSpanContext().getTraceId();
    });
    List<Map<String, Object>> lines = Files.readAllLines(Path.of("target/obs4j-test.log"), StandardCharsets.UTF_8).stream()
        .map(l -> (Map<String, Object>) JsonReader.read(l))
        .filter(l -> traceId.equals(l.get("trace.id")))
        .toList();
    assertThat(lines).singleElement().satisfies(l -> {
      assertThat(l.get("log.level")).isEqualTo("WARN");
      assertThat((String) l.get("message")).startsWith("Slow " + system() + " statement took ")
          .contains(SqlSanitizer.sanitize(slowStatement(), false).text())
          .contains("trace_id=" + traceId);
    });
    assertThat(obs.meterRegistry().get("db.client.slow.statements").counter().count()).isPositive();
  }

  @Test
  void wrappers_unwrapHonestly() throws Exception {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      assertThat(c.isWrapperFor(Connection.class)).isTrue();
      Connection raw = c.unwrap(Connection.class);
      assertThat(raw).isSameAs(c);
      assertThat(s.getConnection()).isSameAs(c);
      assertThat(dataSource.isWrapperFor(DataSource.class)).isTrue();
      Class<? extends Connection> driverType = rawDataSource().getConnection().getClass();
      assertThat(c.isWrapperFor(driverType)).isTrue();
      assertThat(c.unwrap(driverType)).isInstanceOf(driverType).isNotSameAs(c);
    }
  }

  @Test
  void escapeSyntaxCalls_areCallsOfTheProcedure() throws Exception {
    try (Connection c = dataSource.getConnection()) {
      try (java.sql.CallableStatement call = c.prepareCall("{call add_one(?)}")) {
        call.setInt(1, 5);
        call.execute();
      }
      try (java.sql.CallableStatement call = c.prepareCall("{? = call add_one(?)}")) {
        call.registerOutParameter(1, java.sql.Types.INTEGER);
        call.setInt(2, 41);
        call.execute();
        assertThat(call.getInt(1)).isEqualTo(42);
      }
    }
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).hasSize(2).allSatisfy(span -> {
      assertThat(span.getName()).isEqualTo("CALL add_one");
      assertThat(attr(span, "db.operation.name")).isEqualTo("CALL");
      assertThat(attr(span, "db.stored_procedure.name")).isEqualTo("add_one");
      assertThat(attr(span, "db.query.summary")).isEqualTo("CALL add_one");
    });
    assertThat(count("CALL", "", "")).isGreaterThanOrEqualTo(2);
  }

  @Test
  void functionWithFromInTheSelectList_tableIsTheOneAfterTheOuterFrom() throws Exception {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.executeQuery("SELECT EXTRACT(YEAR FROM CURRENT_DATE) FROM orders").close();
    }
    SpanData span = only();
    assertThat(span.getName()).isEqualTo("SELECT orders");
    assertThat(attr(span, "db.collection.name")).isEqualTo("orders");
  }

  @Test
  void setNull_recordsNull_notTheTypeCode() throws Exception {
    try (Connection c = withParameters.getConnection();
        PreparedStatement p = c.prepareStatement("SELECT * FROM orders WHERE status = ? OR id = ?")) {
      p.setString(1, "earlier");
      p.setNull(1, java.sql.Types.VARCHAR);
      p.setNull(2, java.sql.Types.INTEGER, "INTEGER");
      p.executeQuery().close();
    }
    SpanData span = only();
    assertThat(attr(span, "db.query.parameter.0")).isEqualTo("null");
    assertThat(attr(span, "db.query.parameter.1")).isEqualTo("null");
  }

  // Issue 27: drivers quote the failing statement and the values they choke on in their messages; those
  // messages reach the span (status, exception event) without the literals and values.
  @Test
  void failedStatements_quoteNoLiteralOrValueOfTheStatement_inTheSpan() throws Exception {
    List<String> thrown = new java.util.ArrayList<>();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      for (String sql : List.of(
          "SELECT * FROM missing_table WHERE secret = 'err-lit-1'",
          "SELECT CAST('err-lit-2' AS INTEGER)",
          "SELECT * FROM orders WHERE id = 'err-lit-3' +")) {
        try {
          s.executeQuery(sql);
        } catch (SQLException e) {
          thrown.add(String.valueOf(e.getMessage()));
        }
      }
      s.execute("INSERT INTO orders (id, status) VALUES (77, 'x')");
      try (PreparedStatement p = c.prepareStatement("INSERT INTO orders (id, status) VALUES (?, 'err-lit-4')")) {
        p.setInt(1, 77);
        p.executeUpdate();
      } catch (SQLException e) {
        thrown.add(String.valueOf(e.getMessage()));
      }
      try (PreparedStatement p = c.prepareStatement("SELECT CAST(? AS INTEGER)")) {
        p.setString(1, "err-param-5");
        p.executeQuery();
      } catch (SQLException e) {
        thrown.add(String.valueOf(e.getMessage()));
      }
    }
    assertThat(thrown).hasSize(5);
    assertThat(String.join("\n", thrown)).as("the driver's own messages do quote them (else this test checks nothing)")
        .contains("err-lit-2").contains("err-param-5");
    List<SpanData> failed = spans.getFinishedSpanItems().stream()
        .filter(span -> span.getStatus().getStatusCode() == StatusCode.ERROR).toList();
    assertThat(failed).hasSize(5);
    for (SpanData span : failed) {
      StringBuilder seen = new StringBuilder(span.getStatus().getDescription());
      span.getEvents().forEach(e -> seen.append('\n').append(e.getAttributes().asMap().values()));
      seen.append('\n').append(span.getAttributes().asMap().values());
      assertThat(seen.toString()).as(span.getName()).doesNotContain("err-lit").doesNotContain("err-param");
      assertThat(span.getEvents()).as("the exception is still recorded, its message kept apart from the values")
          .anySatisfy(e -> assertThat(e.getAttributes().get(AttributeKey.stringKey("exception.message"))).isNotBlank());
    }
  }

  @Test
  void failedBatch_recordsTheSqlState_partialCounts_andNextExceptions() throws Exception {
    java.sql.BatchUpdateException thrown = null;
    try (Connection c = dataSource.getConnection();
        PreparedStatement p = c.prepareStatement("INSERT INTO orders (id, status) VALUES (?, ?)")) {
      for (int id : new int[] {1, 2, 1, 3}) {
        p.setInt(1, id);
        p.setString(2, "b");
        p.addBatch();
      }
      p.executeBatch();
    } catch (java.sql.BatchUpdateException e) {
      thrown = e;
    }
    assertThat((Object) thrown).as("the duplicate key fails the batch").isNotNull();
    SpanData span = only();
    assertThat(span.getName()).isEqualTo("BATCH INSERT orders");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(attr(span, "error.type")).isEqualTo("23505");
    long done = 0;
    long failed = 0;
    for (long n : thrown.getLargeUpdateCounts()) {
      done += Math.max(n, 0);
      failed += n == Statement.EXECUTE_FAILED ? 1 : 0;
    }
    assertThat(longAttr(span, "db.response.affected_rows")).isEqualTo(done);
    assertThat(longAttr(span, "obs4j.db.batch.failed")).isEqualTo(failed);
    assertThat(longAttr(span, "obs4j.db.batch.reported")).isEqualTo((long) thrown.getLargeUpdateCounts().length);
    List<String> messages = new java.util.ArrayList<>();
    for (SQLException e = thrown; e != null && messages.size() < 10; e = e.getNextException()) {
      messages.add(e.getMessage());
    }
    assertThat(messages).as("the driver chains the cause").hasSizeGreaterThanOrEqualTo(2);
    List<String> recorded = span.getEvents().stream().filter(e -> e.getName().equals("exception"))
        .map(e -> e.getAttributes().get(AttributeKey.stringKey("exception.message"))).toList();
    assertThat(recorded).hasSameSizeAs(messages); // the same messages, values taken out (see failedStatements_...)
    for (int i = 0; i < messages.size(); i++) {
      assertThat(recorded.get(i)).startsWith(messages.get(i).substring(0, 12));
    }
    assertThat(count("BATCH INSERT", "orders", "23505")).isPositive();
  }

  @Test
  void firstConnection_isTaggedWithTheDatabase() throws Exception {
    DataSource fresh = ObsJdbc.create(obs).wrap(rawDataSource());
    io.micrometer.core.instrument.search.Search waits =
        obs.meterRegistry().find("db.client.connection.wait_time").tag("db.system.name", system());
    long before = waits.timers().stream().mapToLong(Timer::count).sum();
    fresh.getConnection().close();
    long after = waits.timers().stream().mapToLong(Timer::count).sum();
    assertThat(after).isEqualTo(before + 1);
    assertThat(obs.meterRegistry().find("db.client.connection.wait_time").tag("db.system.name", "unknown").timers().size())
        .isZero();
  }

  @Test
  void connectionBuilder_resultSetStatement_andMetadataConnection_areTheTracedOnes() throws Exception {
    DataSource built = ObsJdbc.create(obs).wrap(withConnectionBuilder(rawDataSource()));
    try (Connection c = built.createConnectionBuilder().build(); Statement s = c.createStatement()) {
      s.executeQuery("SELECT id FROM orders").close();
      assertThat(only().getName()).isEqualTo("SELECT orders");
      spans.reset();

      try (ResultSet rs = s.executeQuery("SELECT id FROM orders")) {
        assertThat(rs.getStatement()).isSameAs(s);
        assertThat(rs.getStatement().getConnection()).isSameAs(c);
      }
      s.execute("SELECT status FROM orders");
      try (ResultSet rs = s.getResultSet()) {
        assertThat(rs.getStatement()).isSameAs(s);
      }
      try (PreparedStatement p = c.prepareStatement("SELECT id FROM orders WHERE id = ?")) {
        p.setInt(1, 1);
        try (ResultSet rs = p.executeQuery()) {
          assertThat(rs.getStatement()).isSameAs(p);
        }
      }
      assertThat(c.getMetaData().getConnection()).isSameAs(c);
      try (Statement viaMetadata = c.getMetaData().getConnection().createStatement()) {
        viaMetadata.executeQuery("SELECT status FROM orders").close();
      }
      assertThat(spans.getFinishedSpanItems()).extracting(SpanData::getName)
          .containsExactly("SELECT orders", "SELECT orders", "SELECT orders", "SELECT orders");
      assertThat(c.getMetaData().unwrap(java.sql.DatabaseMetaData.class)).isNotNull();
    }
  }
}
