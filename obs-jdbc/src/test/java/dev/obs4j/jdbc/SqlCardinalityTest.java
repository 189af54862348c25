/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.metrics.CardinalityGuard;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/**
 * 20,000 distinct statement texts, 200 times the tag limit (literals that differ, and table names made from
 * data), give a bounded number of series, and what the guard collapses is counted.
 */
class SqlCardinalityTest {
  private static final int STATEMENTS = 20_000;
  private static final int LIMIT = 100; // OBS4J_METRICS_MAX_TAG_VALUES by default

  @Test
  void twentyThousandDistinctStatements_boundedSeries_literalsNeverATag_andTheCollapseCounted() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    JdbcDataSource raw = new JdbcDataSource();
    raw.setURL("jdbc:h2:mem:cardinality;MODE=PostgreSQL");
    try (Obs obs = Obs.builder().serviceName("orders-db").shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
            .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        Connection keepAlive = raw.getConnection()) {
      try (Statement s = keepAlive.createStatement()) {
        s.execute("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(40))");
      }
      DataSource dataSource = ObsJdbc.create(obs).wrap(raw);
      String secret = null;
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        for (int i = 0; i < STATEMENTS; i++) {
          if (i % 2 == 0) {
            String status = UUID.randomUUID().toString();
            secret = status;
            try (ResultSet rs = s.executeQuery("SELECT id FROM orders WHERE id = " + i + " AND status = '" + status + "'")) {
              assertThat(rs.next()).isFalse();
            }
          } else {
            String sql = "SELECT * FROM events_" + i; // one table per day, tenant ...: here, one that is missing
            assertThatThrownBy(() -> s.executeQuery(sql)).isInstanceOf(SQLException.class);
          }
          if (i % 5_000 == 0) {
            spans.reset();
          }
        }
      }
      List<SpanData> last = spans.getFinishedSpanItems();
      assertThat(last).isNotEmpty();
      assertThat(last.stream().map(sp -> sp.getAttributes().get(AttributeKey.stringKey("db.query.text"))))
          .contains("SELECT id FROM orders WHERE id = ? AND status = ?")
          .noneMatch(text -> text.contains(String.valueOf(STATEMENTS - 2)));

      List<Timer> timers = List.copyOf(obs.meterRegistry().find("db.client.operation.duration").timers());
      Map<String, Long> byCollection = timers.stream().collect(Collectors.groupingBy(
          t -> t.getId().getTag("db.collection.name"), Collectors.summingLong(Timer::count)));
      // orders, the first 99 missing tables, and OTHER for the 9,901 after them
      assertThat(byCollection).hasSize(LIMIT + 1);
      assertThat(byCollection.get("orders")).isEqualTo(STATEMENTS / 2);
      assertThat(byCollection.get(CardinalityGuard.OTHER)).isEqualTo(STATEMENTS / 2 - (LIMIT - 1));
      assertThat(timers).hasSizeLessThanOrEqualTo(2 * (LIMIT + 1)); // x error.type (none, or the missing table's SQLState)
      assertThat(timers.stream().mapToLong(Timer::count).sum()).isEqualTo(STATEMENTS);
      String secretValue = secret;
      assertThat(obs.meterRegistry().getMeters()).hasSizeLessThan(1_000)
          .noneMatch(m -> m.getId().getTags().toString().contains(secretValue));
      assertThat(obs.meterRegistry().get("obs4j.metrics.tag.values.collapsed").counter().count())
          .isGreaterThanOrEqualTo(STATEMENTS / 2 - (LIMIT - 1));
    }
  }
}
