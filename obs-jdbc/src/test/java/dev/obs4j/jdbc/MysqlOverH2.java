/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A MySQL-dialect data source for tests, since no MySQL server runs here. What is real: the database is H2
 * (in {@code MODE=MySQL}), every statement really runs there. What is not: the connection's metadata reports
 * the MySQL URL and product name the test chooses (so obs4j reads the source as MySQL, as it would a
 * Connector/J connection with that URL), and statements written in MySQL's own syntax (double-quoted strings,
 * backslash escapes, {@code #} comments), which H2 does not speak, are handed to H2 as the equivalent standard
 * statement from {@code translations}. obs4j sees only the MySQL text.
 */
final class MysqlOverH2 {
  private MysqlOverH2() {}

  /**
   * The data source; the first {@code failingMetadata} calls of {@code getMetaData()} throw, as a driver may
   * while its server is away.
   */
  static DataSource create(DataSource h2, String mysqlUrl, Map<String, String> translations, int failingMetadata) {
    AtomicInteger failures = new AtomicInteger(failingMetadata);
    return proxy(DataSource.class, h2, (method, args, result) -> {
      if (result instanceof Connection) {
        return connection((Connection) result, mysqlUrl, translations, failures);
      }
      return result;
    }, Map.of());
  }

  private static Connection connection(
      Connection h2, String url, Map<String, String> translations, AtomicInteger failures) {
    return proxy(Connection.class, h2, (method, args, result) -> {
      if (result instanceof DatabaseMetaData) {
        if (failures.getAndDecrement() > 0) {
          throw new SQLException("metadata unavailable (planted failure)");
        }
        return proxy(DatabaseMetaData.class, result, (m, a, r) -> {
          switch (m.getName()) {
            case "getURL":
              return url;
            case "getDatabaseProductName":
              return "MySQL";
            default:
              return r;
          }
        }, Map.of());
      }
      if (result instanceof Statement && method.getName().equals("createStatement")) {
        return proxy(Statement.class, result, (m, a, r) -> r, translations);
      }
      return result;
    }, translations);
  }

  /** After the call on the delegate (with its SQL translated), maps the result. */
  private interface After {
    Object apply(Method method, Object[] args, Object result) throws Exception;
  }

  private static <T> T proxy(Class<T> type, Object delegate, After after, Map<String, String> translations) {
    InvocationHandler handler = (p, method, args) -> {
      Object[] a = args;
      if (a != null && a.length > 0 && a[0] instanceof String && !translations.isEmpty()
          && (method.getName().startsWith("execute") || method.getName().equals("addBatch")
              || method.getName().startsWith("prepare"))) {
        a = a.clone();
        a[0] = translations.getOrDefault((String) a[0], (String) a[0]);
      }
      Object result;
      try {
        result = method.invoke(delegate, a);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
      return after.apply(method, a, result);
    };
    return type.cast(Proxy.newProxyInstance(MysqlOverH2.class.getClassLoader(), new Class<?>[] {type}, handler));
  }
}
