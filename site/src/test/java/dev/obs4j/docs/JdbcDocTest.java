/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.jdbc.ObsJdbc;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.apache.logging.log4j.Level;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;

/** integrations/jdbc.adoc: a wrapped DataSource over a real H2 database in memory. */
class JdbcDocTest {
  @Test
  void statementsAreSpansUnderTheCurrentOne_sanitized_timed_andSlowOnesLogged() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:jdbcdoc;DB_CLOSE_DELAY=-1", "sa", "");
    try (Connection c = pool.getConnection(); Statement ddl = c.createStatement()) {
      ddl.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(64))");
      ddl.execute("INSERT INTO orders VALUES (17, 'book')");
      ddl.execute("CREATE ALIAS SLEEP FOR 'java.lang.Thread.sleep(long)'");
    }
    try (Obs obs = Docs.builder("orders", spans).build(); LogCapture slowLog = LogCapture.of("dev.obs4j.jdbc", Level.WARN)) {
      // tag::wrap[]
      DataSource dataSource = ObsJdbc.create(obs).wrap(pool);   // a pool, or a driver's
      // end::wrap[]
      // tag::builder[]
      ObsJdbc jdbc = ObsJdbc.builder(obs)
          .slowStatementThreshold(Duration.ofMillis(200))   // default 1 s
          .captureParameters(false)                         // the default
          .build();
      // end::builder[]
      assertThat(jdbc.wrap(pool)).isNotNull();

      String item = obs.inSpan("load order", () -> {
        try (Connection c = dataSource.getConnection();
            PreparedStatement select = c.prepareStatement("SELECT item FROM orders WHERE id = ?")) {
          select.setInt(1, 17);
          try (ResultSet row = select.executeQuery()) {
            return row.next() ? row.getString(1) : null;
          }
        }
      });
      assertThat(item).isEqualTo("book");
      SpanData query = Docs.span(spans, "SELECT orders");
      assertThat(query.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(query.getParentSpanId()).isEqualTo(Docs.span(spans, "load order").getSpanId());
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.system.name"))).isEqualTo("h2database");
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.query.summary"))).isEqualTo("SELECT orders");
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.namespace"))).isEqualTo("jdbcdoc");
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.query.text")))
          .isEqualTo("SELECT item FROM orders WHERE id = ?");
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.operation.name"))).isEqualTo("SELECT");
      assertThat(query.getAttributes().get(AttributeKey.stringKey("db.collection.name"))).isEqualTo("orders");

      spans.reset();
      try (Connection c = dataSource.getConnection(); Statement update = c.createStatement()) {
        assertThat(update.executeUpdate("UPDATE orders SET item = 'novel' WHERE id = 17")).isEqualTo(1);
        assertThatThrownBy(() -> update.executeQuery("SELECT * FROM invoices"))
            .as("the driver's exception reaches the caller unchanged")
            .isInstanceOf(SQLException.class);
        update.execute("CALL SLEEP(300)"); // slower than the threshold below
      }
      SpanData updated = Docs.span(spans, "UPDATE orders");
      assertThat(updated.getAttributes().get(AttributeKey.stringKey("db.query.text")))
          .as("literals of plain statements replaced by ?")
          .isEqualTo("UPDATE orders SET item = ? WHERE id = ?");
      assertThat(updated.getAttributes().get(AttributeKey.longKey("db.response.affected_rows"))).isEqualTo(1L);
      SpanData failed = Docs.span(spans, "SELECT invoices");
      assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(failed.getAttributes().get(AttributeKey.stringKey("db.response.status_code"))).isEqualTo("42S02");
      assertThat(failed.getAttributes().get(AttributeKey.stringKey("error.type"))).as("the SQLState").isEqualTo("42S02");

      String scrape = Docs.scrape(obs);
      assertThat(scrape)
          .contains("db_client_operation_duration_seconds_count{db_collection_name=\"orders\",db_namespace=\"jdbcdoc\","
              + "db_operation_name=\"SELECT\",db_system_name=\"h2database\",error_type=\"\",server_address=\"\",server_port=\"\","
              + "service=\"orders\"} 1")
          .contains("db_client_operation_duration_seconds_count{db_collection_name=\"invoices\",db_namespace=\"jdbcdoc\","
              + "db_operation_name=\"SELECT\",db_system_name=\"h2database\",error_type=\"42S02\",server_address=\"\",server_port=\"\","
              + "service=\"orders\"} 1")
          .contains("db_client_operation_duration_seconds_bucket{db_collection_name=\"orders\"")
          .as("every getConnection, the first too, is tagged with the database")
          .contains("db_client_connection_wait_time_seconds_count{db_system_name=\"h2database\",outcome=\"success\",service=\"orders\"} 2")
          .doesNotContain("db_system_name=\"unknown\"");
      assertThat(scrape).as("1 s threshold: CALL SLEEP(300) is not slow for dataSource")
          .contains("db_client_slow_statements_total{service=\"orders\"} 0.0");

      try (Connection c = jdbc.wrap(pool).getConnection(); Statement sleep = c.createStatement()) {
        sleep.execute("CALL SLEEP(300)");
      }
      assertThat(Docs.scrape(obs)).contains("db_client_slow_statements_total{service=\"orders\"} 1.0");
      assertThat(slowLog.lines()).singleElement().satisfies(line -> {
        assertThat(line.level()).isEqualTo(Level.WARN);
        assertThat(line.message()).startsWith("Slow h2database statement took ").contains("CALL SLEEP(?)").contains("trace_id=");
      });
    } finally {
      pool.dispose();
    }
  }
}
