/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.postgresql.ds.PGSimpleDataSource;

/** The same contract on a real PostgreSQL started for this test class. */
class PostgresJdbcTest extends AbstractJdbcTest {
  private PostgresServer server;
  private PGSimpleDataSource raw;

  @Override
  DataSource rawDataSource() throws Exception {
    if (raw == null) {
      server = new PostgresServer();
      raw = new PGSimpleDataSource();
      raw.setURL(server.url());
      raw.setUser("postgres");
    }
    return raw;
  }

  @AfterAll
  void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Override
  String system() {
    return "postgresql";
  }

  @Override
  String namespace() {
    return "postgres";
  }

  @Override
  Long serverPort() {
    return (long) server.port();
  }

  @Override
  String slowStatement() {
    return "SELECT pg_sleep(0.12)";
  }

  @Override
  String missingTableState() {
    return "42P01";
  }

  @Override
  String createAddOne() {
    return "CREATE OR REPLACE FUNCTION add_one(i integer) RETURNS integer AS $$ SELECT i + 1 $$ LANGUAGE sql";
  }
}
