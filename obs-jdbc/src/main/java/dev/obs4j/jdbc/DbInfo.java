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
 *
 * <p>A URL may carry credentials in many places ({@code user:password@host}, {@code ?password=},
 * {@code ;password=}, Connector/J's {@code address=(...)(password=...)}, Db2's {@code :password=...;}). The
 * parser therefore never copies a piece of the URL it has not recognised: a host is kept only when it is a
 * host name or an IP address, a port only when it is a number, a database name only when it is a plain name;
 * anything else is dropped (left unknown), never passed on.
 */
record DbInfo(String system, @Nullable String namespace, @Nullable String host, int port) {
  static final DbInfo UNKNOWN = new DbInfo("other_sql", null, null, -1);

  boolean mysqlLike() {
    return system.equals("mysql") || system.equals("mariadb");
  }

  /**
   * The registered value of {@code db.system.name} in the current database semantic conventions
   * ({@code h2database}, {@code microsoft.sql_server}, {@code oracle.db}, {@code ibm.db2}, ...), or
   * {@code other_sql}.
   */
  String systemName() {
    switch (system) {
      case "h2":
        return "h2database";
      case "mssql":
        return "microsoft.sql_server";
      case "oracle":
        return "oracle.db";
      case "db2":
        return "ibm.db2";
      case "postgresql":
      case "mysql":
      case "mariadb":
      case "derby":
      case "hsqldb":
      case "sqlite":
        return system;
      default:
        return "other_sql";
    }
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
        case "pgsql":
          return hostList("postgresql", tail, 5432, "localhost");
        case "mysql":
        case "mysqlx":
          return mysql("mysql", tail, sub.equals("mysqlx") ? 33060 : 3306, false);
        case "mysql+srv":
        case "mysqlx+srv":
          return mysql("mysql", tail, -1, true);
        case "mariadb":
          return mysql("mariadb", tail, 3306, false);
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
          return db2(tail);
        default:
          return new DbInfo(plain(sub) ? sub : "other_sql", null, null, -1);
      }
    } catch (RuntimeException e) {
      return UNKNOWN;
    }
  }

  /**
   * MySQL Connector/J and MariaDB Connector/J: {@code [loadbalance:|replication:|sequential:|aurora:]//} then
   * {@code [user[:password]@]} and a host list whose first entry is {@code host[:port]},
   * {@code address=(host=h)(port=p)(key=value)...}, {@code (host=h,port=p,key=value)} or {@code [h1:p1,h2:p2]}.
   * With {@code +srv} the host is a DNS SRV name and the port comes from DNS: none is reported.
   */
  private static DbInfo mysql(String system, String tail, int defaultPort, boolean srv) {
    String t = tail;
    for (String mode : new String[] {"loadbalance:", "replication:", "sequential:", "aurora:", "failover:"}) {
      if (t.regionMatches(true, 0, mode, 0, mode.length())) {
        t = t.substring(mode.length());
        break;
      }
    }
    if (!t.startsWith("//")) {
      return new DbInfo(system, null, null, -1);
    }
    DbInfo info = hostList(system, t, defaultPort, null);
    return srv ? new DbInfo(system, info.namespace(), info.host(), -1) : info;
  }

  /**
   * {@code //[userinfo@]host1[:port1][,host2...]/database?params} as PostgreSQL, MySQL, MariaDB, Db2 and H2 over
   * TCP write it (PostgreSQL also {@code jdbc:postgresql:database}); the first host of a list.
   */
  private static DbInfo hostList(String system, String tail, int defaultPort, @Nullable String localHost) {
    return hostList(system, tail, defaultPort, localHost, "?#;");
  }

  private static DbInfo hostList(
      String system, String tail, int defaultPort, @Nullable String localHost, String dbStops) {
    if (!tail.startsWith("//")) {
      // jdbc:postgresql:database (local server), jdbc:postgresql:/ (default database)
      String db = tail.startsWith("/") ? null : name(tail);
      return new DbInfo(system, db, localHost, localHost == null ? -1 : defaultPort);
    }
    String s = tail.substring(2);
    int end = topLevel(s, 0, "?#");
    int at = lastTopLevel(s, '@', end); // user:password@ (a password may hold '/' or ':', so search up to '?')
    int start = at + 1;
    int hostsEnd = topLevel(s, start, "/?#;");
    String hosts = s.substring(start, hostsEnd);
    String db = null;
    if (hostsEnd < s.length() && s.charAt(hostsEnd) == '/') {
      db = name(s.substring(hostsEnd + 1, topLevel(s, hostsEnd + 1, dbStops)));
    }
    return endpoint(system, db, firstEntry(hosts), defaultPort);
  }

  /** The first entry of {@code h1,h2} or {@code [h1,h2]} (not to be confused with {@code [v6]}). */
  private static String firstEntry(String hosts) {
    String h = hosts.strip();
    while (true) {
      String first = h.substring(0, topLevel(h, 0, ",")).strip();
      if (first.length() > 2 && first.startsWith("[") && first.endsWith("]")
          && !ipv6(first.substring(1, first.length() - 1))) {
        h = first.substring(1, first.length() - 1).strip(); // [h1:p1,h2:p2], shorter each turn
      } else {
        return first;
      }
    }
  }

  private static boolean ipv6(String s) {
    int colons = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ':') {
        colons++;
      } else if (!(Character.digit(c, 16) >= 0 || c == '.' || c == '%')) {
        return false;
      }
    }
    return colons >= 2;
  }

  /** One host entry: {@code host}, {@code host:port}, {@code [v6]:port}, {@code address=(...)}, {@code (...)}. */
  private static DbInfo endpoint(String system, @Nullable String db, String entry, int defaultPort) {
    String e = entry;
    if (e.regionMatches(true, 0, "address=", 0, 8)) {
      e = e.substring(8);
    }
    if (e.startsWith("(")) {
      String host = property(e, "host");
      String port = property(e, "port");
      String h = host(host);
      return new DbInfo(system, db, h, h == null ? -1 : port == null ? defaultPort : port(port, -1));
    }
    int close = e.lastIndexOf(']');
    int colon = e.lastIndexOf(':');
    String host = e;
    int port = defaultPort;
    if (colon > close && (close >= 0 || e.indexOf(':') == colon)) {
      host = e.substring(0, colon);
      port = port(e.substring(colon + 1), Integer.MIN_VALUE);
      if (port == Integer.MIN_VALUE) {
        return new DbInfo(system, db, null, -1); // host:<not a port>: the URL is not what it seems, report neither
      }
    }
    String h = host(host);
    return new DbInfo(system, db, h, h == null ? -1 : port);
  }

  /**
   * {@code //[server][\instance][:port][;key=value...]}; values in braces may hold {@code ;}. The host may also
   * come from {@code serverName=}, the port from {@code portNumber=}/{@code port=}, the database from
   * {@code databaseName=}/{@code database=}. A named instance without a port is found through the SQL Server
   * Browser: no port is reported then.
   */
  private static DbInfo sqlServer(String tail) {
    String t = tail.startsWith("//") ? tail.substring(2) : tail;
    int semi = t.indexOf(';');
    String server = semi < 0 ? t : t.substring(0, semi);
    String props = semi < 0 ? "" : t.substring(semi + 1);
    if (server.isEmpty()) {
      String name = sqlServerProperty(props, "serverName", "server");
      server = name == null ? "" : name;
    }
    String instance = null;
    String portText = null;
    int colon = server.lastIndexOf(':');
    int backslash = server.indexOf('\\');
    if (colon > backslash && server.indexOf(':') == colon) {
      portText = server.substring(colon + 1);
      server = server.substring(0, colon);
    }
    if (backslash >= 0 && backslash < server.length()) {
      instance = server.substring(backslash + 1);
      server = server.substring(0, backslash);
    }
    if (instance == null) {
      instance = sqlServerProperty(props, "instanceName");
    }
    if (portText == null) {
      portText = sqlServerProperty(props, "portNumber", "port");
    }
    int port = portText != null ? port(portText, -1) : instance != null ? -1 : 1433;
    String db = sqlServerProperty(props, "databaseName", "database");
    String host = host(server);
    return new DbInfo("mssql", db == null ? null : name(db), host, host == null ? -1 : port);
  }

  /** The value of the first of {@code keys} among {@code key=value;...} (braces quote a value). */
  private static @Nullable String sqlServerProperty(String props, String... keys) {
    int i = 0;
    int n = props.length();
    while (i < n) {
      int eq = props.indexOf('=', i);
      int semi = props.indexOf(';', i);
      if (eq < 0) {
        return null;
      }
      if (semi >= 0 && semi < eq) {
        i = semi + 1;
        continue;
      }
      String key = props.substring(i, eq).strip();
      int valueStart = eq + 1;
      int valueEnd;
      String value;
      if (valueStart < n && props.charAt(valueStart) == '{') {
        int closing = props.indexOf('}', valueStart + 1);
        while (closing >= 0 && closing + 1 < n && props.charAt(closing + 1) == '}') {
          closing = props.indexOf('}', closing + 2); // }} is an escaped brace
        }
        valueEnd = closing < 0 ? n : closing + 1;
        value = props.substring(valueStart + 1, Math.max(valueStart + 1, valueEnd - 1));
        int next = props.indexOf(';', valueEnd);
        i = next < 0 ? n : next + 1;
      } else {
        valueEnd = semi < 0 ? n : semi;
        value = props.substring(valueStart, valueEnd).strip();
        i = valueEnd + 1;
      }
      for (String k : keys) {
        if (key.equalsIgnoreCase(k)) {
          return value;
        }
      }
    }
    return null;
  }

  /**
   * Oracle: {@code thin:[user/password]@host:port:SID}, {@code @//host:port/service}, {@code @host:port/service},
   * EZConnect with a protocol ({@code @tcps://host:port/service?params}), TNS descriptors
   * ({@code @(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=h)(PORT=p))(CONNECT_DATA=(SERVICE_NAME=s)))}) and
   * tnsnames aliases ({@code @alias}: the address is in a file, none is reported).
   */
  private static DbInfo oracle(String tail) {
    int at = lastTopLevel(tail, '@', tail.length());
    if (at < 0) {
      return new DbInfo("oracle", null, null, -1);
    }
    String t = tail.substring(at + 1).strip();
    if (t.startsWith("(")) {
      String host = property(t, "host");
      String port = property(t, "port");
      String db = property(t, "service_name");
      if (db == null) {
        db = property(t, "sid");
      }
      String h = host(host);
      return new DbInfo("oracle", db == null ? null : name(db), h, h == null ? -1 : port == null ? 1521 : port(port, -1));
    }
    int scheme = t.indexOf("://");
    if (scheme >= 0 && scheme < t.indexOf('/')) {
      t = t.substring(scheme + 1); // tcp://, tcps://
    }
    if (t.startsWith("//")) {
      t = t.substring(2);
    }
    int end = topLevel(t, 0, "?");
    t = t.substring(0, end);
    int slash = t.indexOf('/');
    String db = slash < 0 ? null : name(t.substring(slash + 1));
    String hostPort = slash < 0 ? t : t.substring(0, slash);
    int close = hostPort.lastIndexOf(']');
    String[] parts = hostPort.substring(close + 1).split(":", -1);
    String host = close >= 0 ? hostPort.substring(0, close + 1) + parts[0] : parts[0];
    if (parts.length == 1) {
      // @alias from tnsnames.ora, or @host/service on the default port
      return slash < 0 ? new DbInfo("oracle", name(host), null, -1) : endpoint("oracle", db, host, 1521);
    }
    if (parts.length >= 3 && db == null) {
      db = name(parts[2]); // host:port:SID
    }
    return endpoint("oracle", db, host + ":" + parts[1], 1521);
  }

  /** {@code mem:name}, {@code file:path}, {@code path}, {@code tcp://host[:port]/path}, {@code ssl://...}. */
  private static DbInfo h2(String tail) {
    String t = tail;
    int semi = t.indexOf(';');
    if (semi >= 0) {
      t = t.substring(0, semi); // ;USER=..;PASSWORD=..
    }
    if (t.regionMatches(true, 0, "tcp:", 0, 4) || t.regionMatches(true, 0, "ssl:", 0, 4)) {
      return hostList("h2", t.substring(4), 9092, null);
    }
    if (t.regionMatches(true, 0, "mem:", 0, 4) || t.regionMatches(true, 0, "file:", 0, 5)) {
      t = t.substring(t.indexOf(':') + 1);
    }
    return new DbInfo("h2", name(t), null, -1);
  }

  /** {@code //host[:port]/database[:key=value;...]} (Db2's properties follow a colon) or {@code database}. */
  private static DbInfo db2(String tail) {
    if (!tail.startsWith("//")) {
      int colon = tail.indexOf(':');
      return new DbInfo("db2", name(colon < 0 ? tail : tail.substring(0, colon)), null, -1);
    }
    return hostList("db2", tail, 50000, null, "?#;:");
  }

  /** From {@code (key=value)(key=value)} or {@code (key=value,key=value)}: the value of {@code key}, nested or not. */
  private static @Nullable String property(String s, String key) {
    int n = s.length();
    int i = 0;
    while (i < n) {
      int found = indexOfIgnoreCase(s, key, i);
      if (found < 0) {
        return null;
      }
      int before = found - 1;
      while (before >= 0 && s.charAt(before) == ' ') {
        before--;
      }
      int after = found + key.length();
      while (after < n && s.charAt(after) == ' ') {
        after++;
      }
      if ((before < 0 || s.charAt(before) == '(' || s.charAt(before) == ',') && after < n && s.charAt(after) == '=') {
        int start = after + 1;
        int end = start;
        while (end < n && s.charAt(end) != ')' && s.charAt(end) != ',' && s.charAt(end) != '(') {
          end++;
        }
        return s.substring(start, end).strip();
      }
      i = found + 1;
    }
    return null;
  }

  private static int indexOfIgnoreCase(String s, String key, int from) {
    for (int i = from; i + key.length() <= s.length(); i++) {
      if (s.regionMatches(true, i, key, 0, key.length())) {
        return i;
      }
    }
    return -1;
  }

  /** The first index at or after {@code from} of one of {@code stops} outside () and [], or the length. */
  private static int topLevel(String s, int from, String stops) {
    int depth = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[') {
        depth++;
      } else if ((c == ')' || c == ']') && depth > 0) {
        depth--;
      } else if (depth == 0 && stops.indexOf(c) >= 0) {
        return i;
      }
    }
    return s.length();
  }

  /** The last index before {@code end} of {@code target} outside () and [], or -1. */
  private static int lastTopLevel(String s, char target, int end) {
    int depth = 0;
    int last = -1;
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      if (c == '(' || c == '[') {
        depth++;
      } else if ((c == ')' || c == ']') && depth > 0) {
        depth--;
      } else if (depth == 0 && c == target) {
        last = i;
      }
    }
    return last;
  }

  /** {@code h} when it is a host name, an IPv4 address or a bracketed IPv6 address; otherwise null. */
  static @Nullable String host(@Nullable String h) {
    if (h == null) {
      return null;
    }
    String s = h.strip();
    if (s.isEmpty() || s.length() > 253) {
      return null;
    }
    if (s.startsWith("[") && s.endsWith("]")) {
      return ipv6(s.substring(1, s.length() - 1)) ? s : null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
          || c == '_')) {
        return null;
      }
    }
    return s;
  }

  /** {@code text} as a TCP port, or {@code fallback} when it is not one. */
  private static int port(String text, int fallback) {
    String t = text.strip();
    if (t.isEmpty() || t.length() > 5) {
      return fallback;
    }
    for (int i = 0; i < t.length(); i++) {
      if (t.charAt(i) < '0' || t.charAt(i) > '9') {
        return fallback;
      }
    }
    int port = Integer.parseInt(t);
    return port > 0 && port <= 65535 ? port : fallback;
  }

  /** A subprotocol or name made of letters, digits and {@code _ - . $} only. */
  private static boolean plain(String s) {
    if (s.isEmpty() || s.length() > 128) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.' || c == '$')) {
        return false;
      }
    }
    return true;
  }

  /** The database name: the last path element, without parameters; null unless it is a plain name. */
  private static @Nullable String name(String s) {
    String n = s;
    for (char stop : new char[] {';', '?', '&', '#'}) {
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
    n = n.strip();
    return plain(n) ? n : null;
  }
}
