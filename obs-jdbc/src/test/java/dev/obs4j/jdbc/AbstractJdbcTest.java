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

  @BeforeAll
  void setUp() throws Exception {
    obs = Obs.builder().serviceName("orders-db").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    DataSource raw = rawDataSource();
    dataSource = ObsJdbc.builder(obs).slowStatementThreshold(Duration.ofMillis(90)).build().wrap(raw);
    withParameters = ObsJdbc.builder(obs).captureParameters(true).build().wrap(raw);
    try (Connection c = raw.getConnection(); Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS orders");
      s.execute("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(20), total DECIMAL(10,2))");
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

  long count(String operation, String collection, String outcome) {
    Timer timer = obs.meterRegistry().find("db.client.operations")
        .tags("system", system(), "operation", operation, "collection", collection, "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void statement_sanitizedText_operationTable_connectionAttributes_andMetric() throws Exception {
    long before = count("SELECT", "orders", "success");
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
    assertThat(attr(span, "db.system")).isEqualTo(system());
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
    assertThat(count("SELECT", "orders", "success")).isEqualTo(before + 1);
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
    assertThat(batch.getName()).isEqualTo("INSERT orders");
    assertThat(longAttr(batch, "db.operation.batch.size")).isEqualTo(3L);
    assertThat(longAttr(batch, "db.response.affected_rows")).isEqualTo(3L);

    spans.reset();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.addBatch("UPDATE orders SET status = 'x' WHERE id = 1");
      s.addBatch("DELETE FROM orders WHERE id = 2");
      s.executeBatch();
    }
    SpanData mixed = only();
    assertThat(mixed.getName()).isEqualTo("BATCH");
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
    assertThat(count("ROLLBACK", "none", "success")).isPositive();
  }

  @Test
  void sqlError_marksTheSpan_andIsRethrownUnchanged() throws Exception {
    long failures = count("SELECT", "missing_table", "failure");
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
    assertThat(attr(span, "error.type")).isEqualTo(thrown[0].getClass().getName());
    assertThat(longAttr(span, "db.response.vendor_code")).isEqualTo((long) thrown[0].getErrorCode());
    assertThat(span.getEvents()).anySatisfy(e -> assertThat(e.getName()).isEqualTo("exception"));
    assertThat(count("SELECT", "missing_table", "failure")).isEqualTo(failures + 1);
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
}
