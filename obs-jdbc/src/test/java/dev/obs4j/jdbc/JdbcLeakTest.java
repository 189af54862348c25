/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.metrics.PrometheusScrape;
import io.opentelemetry.api.common.AttributeKey;
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
import java.util.Objects;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Secrets planted in URLs, connection properties and SQL (every literal form of each dialect, comments,
 * literals concatenated into prepared statements) reach no span, no metric and no log line, through real
 * connections: H2 in memory, the PostgreSQL server {@link PostgresServer} starts, and three MySQL-dialect
 * sources behind the same {@code ObsJdbc}. No MySQL runs here: those are {@link MysqlOverH2}, real H2 databases
 * whose metadata reports a MySQL URL, with MySQL-only syntax handed to H2 in its standard form.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcLeakTest {
  private static final String PASSWORD = "pw-Zq81x";
  private static final String LITERAL = "lit-4Kd9";
  private static final String DOUBLE_QUOTED = "dq-7Hs2";
  private static final String BACKSLASHED = "bs-2Lx8";
  private static final String COMMENT = "cm-9Qp3";
  private static final String PREPARED = "prep-5Tz1";
  private static final List<String> SECRETS = List.of(PASSWORD, LITERAL, DOUBLE_QUOTED, BACKSLASHED, COMMENT, PREPARED);

  /** MySQL text to what H2 runs in its place. */
  private static final Map<String, String> MYSQL_TO_H2 = Map.of(
      "SELECT id FROM orders WHERE status = \"" + DOUBLE_QUOTED + "\"",
      "SELECT id FROM orders WHERE status = '" + DOUBLE_QUOTED + "'",
      "SELECT id FROM orders WHERE status = 'it\\'s " + BACKSLASHED + "' OR status = \"\\\"" + DOUBLE_QUOTED + "\"",
      "SELECT id FROM orders WHERE status = 'it''s " + BACKSLASHED + "' OR status = '\"" + DOUBLE_QUOTED + "'",
      "SELECT id FROM orders # " + COMMENT + "\nWHERE id = 1",
      "SELECT id FROM orders WHERE id = 1",
      "SELECT id FROM orders WHERE status = \"" + PREPARED + "\" AND id = ?",
      "SELECT id FROM orders WHERE status = '" + PREPARED + "' AND id = ?",
      "SELECT id FROM notes WHERE \"marker-9Vb\" = 1",
      "SELECT id FROM orders WHERE 'marker-9Vb' = '1'",
      "SELECT id FROM orders WHERE status = \"x-3Rt7\"",
      "SELECT id FROM orders WHERE status = 'x-3Rt7'");

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private Obs obs;
  private ObsJdbc jdbc;
  private PostgresServer postgres;
  private Connection keepH2;
  private Connection keepMysqlish;
  private DataSource h2;
  private DataSource pg;
  private JdbcDataSource mysqlish;
  private int logged;

  @BeforeAll
  void setUp() throws Exception {
    obs = Obs.builder().serviceName("leaks").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false")
        .addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    // Every statement slow, so every statement's text reaches the log too.
    jdbc = ObsJdbc.builder(obs).slowStatementThreshold(Duration.ZERO).captureParameters(false).build();

    JdbcDataSource rawH2 = new JdbcDataSource();
    rawH2.setURL("jdbc:h2:mem:leaks"); // JdbcDataSource refuses USER/PASSWORD in its URL: properties instead
    rawH2.setUser("sa");
    rawH2.setPassword(PASSWORD);
    keepH2 = rawH2.getConnection();
    h2 = rawH2;
    mysqlish = new JdbcDataSource();
    mysqlish.setURL("jdbc:h2:mem:mysqlish;MODE=MySQL");
    keepMysqlish = mysqlish.getConnection();
    postgres = new PostgresServer();
    PGSimpleDataSource rawPg = new PGSimpleDataSource();
    rawPg.setURL(postgres.url() + "?user=postgres&password=" + PASSWORD + "&ApplicationName=leaks");
    rawPg.setPassword(PASSWORD);
    pg = rawPg;
    for (DataSource raw : List.of(h2, pg, mysqlish)) {
      try (Connection c = raw.getConnection(); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS orders");
        s.execute("CREATE TABLE orders (id INT PRIMARY KEY, status VARCHAR(40))");
        s.execute("DROP TABLE IF EXISTS notes");
        s.execute("CREATE TABLE notes (id INT, \"marker-9Vb\" INT)");
      }
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    obs.close();
    keepH2.close();
    keepMysqlish.close();
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void reset() {
    spans.reset();
  }

  private DataSource mysql(String url, int failingMetadata) {
    return jdbc.wrap(MysqlOverH2.create(mysqlish, url, MYSQL_TO_H2, failingMetadata));
  }

  /** Runs {@code sql}; at most nine a second, so that the slow-statement log (ten lines a second) keeps all. */
  private void run(DataSource dataSource, String sql) throws Exception {
    pace();
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private void runPrepared(DataSource dataSource, String sql) throws Exception {
    pace();
    try (Connection c = dataSource.getConnection(); PreparedStatement p = c.prepareStatement(sql)) {
      p.setInt(1, 1);
      try (ResultSet rs = p.executeQuery()) {
        rs.next();
      }
    }
  }

  private void pace() throws InterruptedException {
    if (++logged % 9 == 0) {
      Thread.sleep(1_100);
    }
  }

  @Test
  void plantedSecrets_inUrlsPropertiesAndSql_reachNoSpanMetricOrLogLine() throws Exception {
    DataSource wrappedH2 = jdbc.wrap(h2);
    DataSource wrappedPg = jdbc.wrap(pg);
    for (DataSource standard : List.of(wrappedH2, wrappedPg)) {
      run(standard, "INSERT INTO orders (id, status) VALUES (1, '" + LITERAL + "')");
      run(standard, "SELECT id FROM orders WHERE status = '" + LITERAL + "'");
      run(standard, "SELECT id FROM orders WHERE status = '" + LITERAL + "'"); // the cached reading
      run(standard, "SELECT id /* " + COMMENT + " */ FROM orders -- " + COMMENT);
      runPrepared(standard, "SELECT id FROM orders WHERE status = '" + PREPARED + "' AND id = ?");
      runPrepared(standard, "SELECT id FROM orders WHERE status = '" + PREPARED + "' AND id = ?");
      try (Connection c = standard.getConnection(); Statement s = c.createStatement()) {
        s.addBatch("UPDATE orders SET status = '" + LITERAL + "' WHERE id = 1");
        s.addBatch("UPDATE orders SET status = 'x' WHERE id = 2");
        s.executeBatch();
      }
    }
    run(wrappedPg, "SELECT $$" + LITERAL + "$$, $tag$" + LITERAL + "$tag$, E'it\\'s " + BACKSLASHED + "'");

    List<DataSource> mysqls = List.of(
        mysql("jdbc:mysql://sandy:" + PASSWORD + "@db1.internal:3306/shop?password=" + PASSWORD, 0),
        mysql("jdbc:mysql+srv://sandy:" + PASSWORD + "@db.internal/shop", 0),
        mysql("jdbc:mysql://address=(host=db2.internal)(port=3307)(user=sandy)(password=" + PASSWORD + ")/shop", 0));
    for (DataSource mysql : mysqls) {
      run(mysql, "SELECT id FROM orders WHERE status = \"" + DOUBLE_QUOTED + "\"");
      run(mysql, "SELECT id FROM orders WHERE status = 'it\\'s " + BACKSLASHED + "' OR status = \"\\\"" + DOUBLE_QUOTED + "\"");
      run(mysql, "SELECT id FROM orders # " + COMMENT + "\nWHERE id = 1");
      runPrepared(mysql, "SELECT id FROM orders WHERE status = \"" + PREPARED + "\" AND id = ?");
    }

    // What came out: every statement a span, each source its address, the timers and the log lines.
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).hasSizeGreaterThanOrEqualTo(2 * 7 + 1 + 3 * 4);
    assertThat(all.stream().map(s -> s.getAttributes().get(AttributeKey.stringKey("server.address")))
            .filter(Objects::nonNull).distinct())
        .containsExactlyInAnyOrder("127.0.0.1", "db1.internal", "db.internal", "db2.internal");
    assertThat(all.stream().map(s -> s.getAttributes().get(AttributeKey.stringKey("db.query.text"))))
        .contains("SELECT id FROM orders WHERE status = ? AND id = ?", "SELECT id FROM orders WHERE status = ? OR status = ?",
            "SELECT id FROM orders WHERE id = ?");
    String spanText = all.toString();
    String scrape = obs.meterRegistry().scrape() + obs.meterRegistry().scrape(PrometheusScrape.OPENMETRICS);
    assertThat(scrape).contains("db_client_operation_duration_seconds_count").contains("db_client_connection_wait_time");
    String logs = Files.readString(Path.of("target/obs4j-test.log"), StandardCharsets.UTF_8);
    assertThat(logs).contains("Slow mysql statement took").contains("Slow postgresql statement took")
        .contains("SELECT id FROM orders WHERE status = ? OR status = ?");

    for (String secret : SECRETS) {
      assertThat(spanText).as("spans").doesNotContain(secret);
      assertThat(scrape).as("metrics").doesNotContain(secret);
      assertThat(logs).as("log lines").doesNotContain(secret);
    }
    assertThat(spanText + scrape + logs).doesNotContain("sandy");
  }

  @Test
  void sameTextOnH2AndMysql_behindOneObsJdbc_eachReadItsOwnWay() throws Exception {
    String text = "SELECT id FROM notes WHERE \"marker-9Vb\" = 1";
    run(jdbc.wrap(h2), text); // on H2, a quoted column
    run(mysql("jdbc:mysql://db1.internal/shop", 0), text); // on MySQL, a string
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).extracting(s -> s.getAttributes().get(AttributeKey.stringKey("db.query.text")))
        .containsExactly("SELECT id FROM notes WHERE \"marker-9Vb\" = ?", "SELECT id FROM notes WHERE ? = ?");
  }

  @Test
  void metadataThatFailsOnce_isAskedAgain_withTheNextConnection() throws Exception {
    DataSource mysql = mysql("jdbc:mysql://db3.internal:3308/shop", 1);
    String sql = "SELECT id FROM orders WHERE status = \"x-3Rt7\"";
    run(mysql, sql); // described as unknown: read the standard way
    run(mysql, sql);
    List<SpanData> all = spans.getFinishedSpanItems();
    assertThat(all).hasSize(2);
    SpanData second = all.get(1);
    assertThat(second.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("db3.internal");
    assertThat(second.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(3308L);
    assertThat(second.getAttributes().get(AttributeKey.stringKey("db.query.text")))
        .isEqualTo("SELECT id FROM orders WHERE status = ?");
  }

  @Test
  void fixtureSanity_theMysqlSourceReallyRunsOnH2() throws SQLException {
    DataSource raw = MysqlOverH2.create(mysqlish, "jdbc:mysql://db1.internal/shop", MYSQL_TO_H2, 0);
    try (Connection c = raw.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM orders WHERE status = \"" + DOUBLE_QUOTED + "\"")) {
      assertThat(c.getMetaData().getURL()).isEqualTo("jdbc:mysql://db1.internal/shop");
      assertThat(c.unwrap(org.h2.jdbc.JdbcConnection.class)).isNotNull();
      assertThat(rs.next()).isFalse();
    }
  }
}
