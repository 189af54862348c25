/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** obs4j for JDBC: a traced {@code DataSource} and connection wrapper with sanitized statements. */
module dev.obs4j.jdbc {
  requires transitive dev.obs4j.core;
  requires transitive java.sql;
  requires static com.zaxxer.hikari; // HikariCP's pool metrics, when the wrapped DataSource is a Hikari pool

  exports dev.obs4j.jdbc;
}
