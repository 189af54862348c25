/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

class H2JdbcTest extends AbstractJdbcTest {
  private JdbcDataSource raw;
  private Connection keepAlive;

  @Override
  DataSource rawDataSource() throws Exception {
    if (raw == null) {
      raw = new JdbcDataSource();
      raw.setURL("jdbc:h2:mem:shop;MODE=PostgreSQL");
      keepAlive = raw.getConnection(); // an in-memory database lives while a connection does
      try (Statement s = keepAlive.createStatement()) {
        s.execute("CREATE ALIAS IF NOT EXISTS SLEEP FOR 'java.lang.Thread.sleep(long)'");
      }
    }
    return raw;
  }

  @Override
  String system() {
    return "h2database";
  }

  @Override
  String namespace() {
    return "shop";
  }

  @Override
  Long serverPort() {
    return null;
  }

  @Override
  String slowStatement() {
    return "CALL SLEEP(120)";
  }

  @Override
  String missingTableState() {
    return "42S02";
  }

  @Override
  String createAddOne() {
    return "CREATE ALIAS IF NOT EXISTS add_one FOR 'java.lang.Math.incrementExact(int)'";
  }
}
