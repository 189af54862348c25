/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a JDBC URL says about the database, for the span's {@code db.system}, {@code db.namespace},
 * {@code server.address} and {@code server.port}. Parsed once per data source or connection.
 */
record DbInfo(String system, @Nullable String namespace, @Nullable String host, int port) {
  static final DbInfo UNKNOWN = new DbInfo("other_sql", null, null, -1);

  boolean mysqlLike() {
    return system.equals("mysql") || system.equals("mariadb");
  }

  static DbInfo parse(@Nullable String url) {
    if (url == null || !url.regionMatches(true, 0, "jdbc:", 0, 5)) {
      return UNKNOWN;
    }
    try {
      String rest = url.substring(5);
      int colon = rest.indexOf(':');
      if (colon < 0) {
        return UNKNOWN;
      }
      String sub = rest.substring(0, colon).toLowerCase(Locale.ROOT);
      String tail = rest.substring(colon + 1);
      switch (sub) {
        case "postgresql":
          return hostPortDb("postgresql", tail, 5432);
        case "mysql":
          return hostPortDb("mysql", tail, 3306);
        case "mariadb":
          return hostPortDb("mariadb", tail, 3306);
        case "sqlserver":
          return sqlServer(tail);
        case "oracle":
          return oracle(tail);
        case "h2":
          return h2(tail);
        case "derby":
          return new DbInfo("derby", name(tail), null, -1);
        case "hsqldb":
          return new DbInfo("hsqldb", name(tail), null, -1);
        case "sqlite":
          return new DbInfo("sqlite", name(tail), null, -1);
        case "db2":
          return hostPortDb("db2", tail, 50000);
        default:
          return new DbInfo(sub.isEmpty() ? "other_sql" : sub, null, null, -1);
      }
    } catch (RuntimeException e) {
      return UNKNOWN;
    }
  }

  /** {@code //host:port/db?params}, as PostgreSQL, MySQL, MariaDB and DB2 write it. */
  private static DbInfo hostPortDb(String system, String tail, int defaultPort) {
    if (!tail.startsWith("//")) {
      return new DbInfo(system, name(tail), null, -1);
    }
    String authority = tail.substring(2);
    int slash = authority.indexOf('/');
    String db = slash < 0 ? null : name(authority.substring(slash + 1));
    String hostPort = slash < 0 ? authority : authority.substring(0, slash);
    int comma = hostPort.indexOf(','); // failover lists: the first host
    if (comma >= 0) {
      hostPort = hostPort.substring(0, comma);
    }
    int question = hostPort.indexOf('?');
    if (question >= 0) {
      hostPort = hostPort.substring(0, question);
    }
    return withHostPort(system, db, hostPort, defaultPort);
  }

  private static DbInfo withHostPort(String system, @Nullable String db, String hostPort, int defaultPort) {
    String host = hostPort;
    int port = defaultPort;
    int close = hostPort.lastIndexOf(']');
    int colon = hostPort.lastIndexOf(':');
    if (colon > close) {
      host = hostPort.substring(0, colon);
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = defaultPort;
      }
    }
    return new DbInfo(system, db, host.isEmpty() ? null : host, port);
  }

  private static DbInfo sqlServer(String tail) {
    String t = tail.startsWith("//") ? tail.substring(2) : tail;
    int semi = t.indexOf(';');
    String hostPort = semi < 0 ? t : t.substring(0, semi);
    String db = null;
    for (String part : t.split(";")) {
      if (part.toLowerCase(Locale.ROOT).startsWith("databasename=")) {
        db = part.substring("databasename=".length());
      }
    }
    int backslash = hostPort.indexOf('\\');
    if (backslash >= 0) {
      hostPort = hostPort.substring(0, backslash);
    }
    return withHostPort("mssql", db, hostPort, 1433);
  }

  private static DbInfo oracle(String tail) {
    int at = tail.indexOf('@');
    if (at < 0) {
      return new DbInfo("oracle", null, null, -1);
    }
    String t = tail.substring(at + 1);
    if (t.startsWith("//")) {
      t = t.substring(2);
    }
    int slash = t.indexOf('/');
    String db = slash < 0 ? null : name(t.substring(slash + 1));
    String hostPort = slash < 0 ? t : t.substring(0, slash);
    String[] parts = hostPort.split(":");
    if (parts.length >= 3 && db == null) {
      db = parts[2]; // host:port:SID
    }
    return withHostPort("oracle", db, parts.length >= 2 ? parts[0] + ":" + parts[1] : parts[0], 1521);
  }

  private static DbInfo h2(String tail) {
    String t = tail;
    if (t.startsWith("tcp:") || t.startsWith("ssl:")) {
      return hostPortDb("h2", t.substring(4), 9092);
    }
    if (t.startsWith("mem:") || t.startsWith("file:")) {
      t = t.substring(t.indexOf(':') + 1);
    }
    return new DbInfo("h2", name(t), null, -1);
  }

  /** The database name: the last path element, without parameters. */
  private static @Nullable String name(String s) {
    String n = s;
    for (char stop : new char[] {';', '?', '&'}) {
      int i = n.indexOf(stop);
      if (i >= 0) {
        n = n.substring(0, i);
      }
    }
    int slash = Math.max(n.lastIndexOf('/'), n.lastIndexOf('\\'));
    if (slash >= 0) {
      n = n.substring(slash + 1);
    }
    int colon = n.lastIndexOf(':');
    if (colon >= 0) {
      n = n.substring(colon + 1);
    }
    return n.isEmpty() ? null : n;
  }
}
