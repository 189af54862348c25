/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.ShardingKeyBuilder;
import java.sql.ConnectionBuilder;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/** Hands out instrumented connections and times how long getting one takes. */
final class ObsDataSource implements DataSource {
  private final DataSource delegate;
  private final JdbcInstrumenter instrumenter;
  private volatile @Nullable DbInfo db;

  ObsDataSource(DataSource delegate, JdbcInstrumenter instrumenter) {
    this.delegate = delegate;
    this.instrumenter = instrumenter;
  }

  private ObsConnection wrap(Connection connection) {
    DbInfo info = db;
    if (info == null) {
      // Once: every connection of a data source shares its URL. A failure is not remembered: this
      // connection is described as unknown (its literals read the standard way), the next one asks again.
      try {
        info = DbInfo.parse(connection.getMetaData().getURL());
        db = info;
      } catch (SQLException | RuntimeException e) {
        info = DbInfo.UNKNOWN;
      }
    }
    return new ObsConnection(connection, instrumenter, info);
  }

  private String system() {
    DbInfo info = db;
    return info == null ? "unknown" : info.systemName();
  }

  /** Obtains a connection through {@code call}, timed and tagged with the database it reaches. */
  private Connection acquire(JdbcInstrumenter.Call<Connection> call) throws SQLException {
    return instrumenter.acquire(call, this::wrap, this::system);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return acquire(delegate::getConnection);
  }

  @Override
  public Connection getConnection(String username, String password) throws SQLException {
    return acquire(() -> delegate.getConnection(username, password));
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return iface.isInstance(this) ? iface.cast(this) : delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return iface.isInstance(this) || iface.isInstance(delegate) || delegate.isWrapperFor(iface);
  }

  @Override
  public ConnectionBuilder createConnectionBuilder() throws SQLException {
    return new ObsConnectionBuilder(delegate.createConnectionBuilder(), this::acquire);
  }

  @Override
  public ShardingKeyBuilder createShardingKeyBuilder() throws SQLException {
    return delegate.createShardingKeyBuilder();
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public void setLogWriter(PrintWriter p0) throws SQLException {
    delegate.setLogWriter(p0);
  }

  @Override
  public void setLoginTimeout(int p0) throws SQLException {
    delegate.setLoginTimeout(p0);
  }
}
