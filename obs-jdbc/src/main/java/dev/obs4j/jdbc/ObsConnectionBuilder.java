/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.sql.Connection;
import java.sql.ConnectionBuilder;
import java.sql.SQLException;
import java.sql.ShardingKey;

/** The data source's connection builder, whose connections are instrumented and timed like getConnection's. */
final class ObsConnectionBuilder implements ConnectionBuilder {
  /** Obtains, times and wraps a connection, as the data source does. */
  @FunctionalInterface
  interface Acquirer {
    Connection acquire(JdbcInstrumenter.Call<Connection> call) throws SQLException;
  }

  private final ConnectionBuilder delegate;
  private final Acquirer acquirer;

  ObsConnectionBuilder(ConnectionBuilder delegate, Acquirer acquirer) {
    this.delegate = delegate;
    this.acquirer = acquirer;
  }

  @Override
  public ConnectionBuilder user(String username) {
    delegate.user(username);
    return this;
  }

  @Override
  public ConnectionBuilder password(String password) {
    delegate.password(password);
    return this;
  }

  @Override
  public ConnectionBuilder shardingKey(ShardingKey shardingKey) {
    delegate.shardingKey(shardingKey);
    return this;
  }

  @Override
  public ConnectionBuilder superShardingKey(ShardingKey superShardingKey) {
    delegate.superShardingKey(superShardingKey);
    return this;
  }

  @Override
  public Connection build() throws SQLException {
    return acquirer.acquire(delegate::build);
  }
}
