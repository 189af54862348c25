/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.*;
import java.util.Calendar;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import java.util.TreeMap;

/** A prepared statement: text sanitized as a plain statement is, its own placeholders kept; bind values recorded only when the user opted in. */
class ObsPreparedStatement<S extends PreparedStatement> extends ObsStatement<S> implements PreparedStatement {
  private static final int MAX_PARAMETERS = 64;
  private static final int MAX_PARAMETER_LENGTH = 256;

  final SqlInfo sql;
  /** The text as the application wrote it, whose literals are taken out of an error message that quotes them. */
  private final String raw;
  private final @Nullable Map<Integer, String> parameters;
  /**
   * The bound values (the first {@value #MAX_PARAMETERS}), kept only to take them out of an error message that
   * quotes them; read when a statement fails, never recorded.
   */
  private final Object[] values = new Object[MAX_PARAMETERS];
  private JdbcInstrumenter.@Nullable Described described; // the same for every execution without parameters

  ObsPreparedStatement(S delegate, ObsConnection connection, String sql) {
    super(delegate, connection);
    this.sql = connection.instrumenter.prepared(connection.db, sql);
    this.raw = sql;
    this.parameters = connection.instrumenter.captureParameters() ? new TreeMap<>() : null;
  }

  final void param(int index, @Nullable Object value) {
    if (index >= 1 && index <= MAX_PARAMETERS) {
      values[index - 1] = value;
    }
    Map<Integer, String> p = parameters;
    if (p != null && (p.size() < MAX_PARAMETERS || p.containsKey(index))) {
      p.put(index, render(value));
    }
  }

  private static String render(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof CharSequence || value instanceof Number || value instanceof Boolean
        || value instanceof java.util.Date || value instanceof java.time.temporal.TemporalAccessor
        || value instanceof java.util.UUID) {
      String text = value.toString();
      return text.length() > MAX_PARAMETER_LENGTH ? text.substring(0, MAX_PARAMETER_LENGTH) + "..." : text;
    }
    return "<" + value.getClass().getSimpleName() + ">";
  }

  private <T> T runPrepared(JdbcInstrumenter.Call<T> call) throws SQLException {
    Map<Integer, String> p = parameters;
    if (p != null && !p.isEmpty()) {
      return instrumenter.run(connection.db, sql, raw, values, JdbcInstrumenter.NOT_BATCH, Map.copyOf(p), call);
    }
    JdbcInstrumenter.Described d = described;
    if (d == null) {
      d = instrumenter.describe(connection.db, sql, JdbcInstrumenter.NOT_BATCH, null);
      described = d;
    }
    return instrumenter.run(connection.db, d, raw, values, call);
  }

  @Override
  @Nullable SqlInfo batchInfo() {
    SqlInfo statements = super.batchInfo();
    return statements == null ? sql : statements; // addBatch() batches this statement's text
  }

  @Override
  public boolean execute() throws SQLException {
    return runPrepared(delegate::execute);
  }

  @Override
  public ResultSet executeQuery() throws SQLException {
    return wrap(runPrepared(delegate::executeQuery));
  }

  @Override
  public int executeUpdate() throws SQLException {
    return runPrepared(delegate::executeUpdate);
  }

  @Override
  public long executeLargeUpdate() throws SQLException {
    return runPrepared(delegate::executeLargeUpdate);
  }

  @Override
  Object @Nullable [] batchValues() {
    return values; // the last row's
  }

  @Override
  @Nullable String batchRaw() {
    String statements = super.batchRaw(); // addBatch(String) on a prepared statement adds plain ones
    return statements == null ? raw : raw + "\n" + statements;
  }

  @Override
  public void addBatch() throws SQLException {
    delegate.addBatch();
    batchSize++;
  }

  @Override
  public void clearParameters() throws SQLException {
    delegate.clearParameters();
    java.util.Arrays.fill(values, null);
    Map<Integer, String> p = parameters;
    if (p != null) {
      p.clear();
    }
  }

  @Override
  public ResultSetMetaData getMetaData() throws SQLException {
    return delegate.getMetaData();
  }

  @Override
  public ParameterMetaData getParameterMetaData() throws SQLException {
    return delegate.getParameterMetaData();
  }

  @Override
  public void setArray(int p0, Array p1) throws SQLException {
    param(p0, p1);
    delegate.setArray(p0, p1);
  }

  @Override
  public void setAsciiStream(int p0, InputStream p1, int p2) throws SQLException {
    param(p0, p1);
    delegate.setAsciiStream(p0, p1, p2);
  }

  @Override
  public void setAsciiStream(int p0, InputStream p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setAsciiStream(p0, p1, p2);
  }

  @Override
  public void setAsciiStream(int p0, InputStream p1) throws SQLException {
    param(p0, p1);
    delegate.setAsciiStream(p0, p1);
  }

  @Override
  public void setBigDecimal(int p0, BigDecimal p1) throws SQLException {
    param(p0, p1);
    delegate.setBigDecimal(p0, p1);
  }

  @Override
  public void setBinaryStream(int p0, InputStream p1, int p2) throws SQLException {
    param(p0, p1);
    delegate.setBinaryStream(p0, p1, p2);
  }

  @Override
  public void setBinaryStream(int p0, InputStream p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setBinaryStream(p0, p1, p2);
  }

  @Override
  public void setBinaryStream(int p0, InputStream p1) throws SQLException {
    param(p0, p1);
    delegate.setBinaryStream(p0, p1);
  }

  @Override
  public void setBlob(int p0, InputStream p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setBlob(p0, p1, p2);
  }

  @Override
  public void setBlob(int p0, InputStream p1) throws SQLException {
    param(p0, p1);
    delegate.setBlob(p0, p1);
  }

  @Override
  public void setBlob(int p0, Blob p1) throws SQLException {
    param(p0, p1);
    delegate.setBlob(p0, p1);
  }

  @Override
  public void setBoolean(int p0, boolean p1) throws SQLException {
    param(p0, p1);
    delegate.setBoolean(p0, p1);
  }

  @Override
  public void setByte(int p0, byte p1) throws SQLException {
    param(p0, p1);
    delegate.setByte(p0, p1);
  }

  @Override
  public void setBytes(int p0, byte[] p1) throws SQLException {
    param(p0, p1);
    delegate.setBytes(p0, p1);
  }

  @Override
  public void setCharacterStream(int p0, Reader p1, int p2) throws SQLException {
    param(p0, p1);
    delegate.setCharacterStream(p0, p1, p2);
  }

  @Override
  public void setCharacterStream(int p0, Reader p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setCharacterStream(p0, p1, p2);
  }

  @Override
  public void setCharacterStream(int p0, Reader p1) throws SQLException {
    param(p0, p1);
    delegate.setCharacterStream(p0, p1);
  }

  @Override
  public void setClob(int p0, Reader p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setClob(p0, p1, p2);
  }

  @Override
  public void setClob(int p0, Reader p1) throws SQLException {
    param(p0, p1);
    delegate.setClob(p0, p1);
  }

  @Override
  public void setClob(int p0, Clob p1) throws SQLException {
    param(p0, p1);
    delegate.setClob(p0, p1);
  }

  @Override
  public void setDate(int p0, Date p1, Calendar p2) throws SQLException {
    param(p0, p1);
    delegate.setDate(p0, p1, p2);
  }

  @Override
  public void setDate(int p0, Date p1) throws SQLException {
    param(p0, p1);
    delegate.setDate(p0, p1);
  }

  @Override
  public void setDouble(int p0, double p1) throws SQLException {
    param(p0, p1);
    delegate.setDouble(p0, p1);
  }

  @Override
  public void setFloat(int p0, float p1) throws SQLException {
    param(p0, p1);
    delegate.setFloat(p0, p1);
  }

  @Override
  public void setInt(int p0, int p1) throws SQLException {
    param(p0, p1);
    delegate.setInt(p0, p1);
  }

  @Override
  public void setLong(int p0, long p1) throws SQLException {
    param(p0, p1);
    delegate.setLong(p0, p1);
  }

  @Override
  public void setNCharacterStream(int p0, Reader p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setNCharacterStream(p0, p1, p2);
  }

  @Override
  public void setNCharacterStream(int p0, Reader p1) throws SQLException {
    param(p0, p1);
    delegate.setNCharacterStream(p0, p1);
  }

  @Override
  public void setNClob(int p0, Reader p1, long p2) throws SQLException {
    param(p0, p1);
    delegate.setNClob(p0, p1, p2);
  }

  @Override
  public void setNClob(int p0, Reader p1) throws SQLException {
    param(p0, p1);
    delegate.setNClob(p0, p1);
  }

  @Override
  public void setNClob(int p0, NClob p1) throws SQLException {
    param(p0, p1);
    delegate.setNClob(p0, p1);
  }

  @Override
  public void setNString(int p0, String p1) throws SQLException {
    param(p0, p1);
    delegate.setNString(p0, p1);
  }

  @Override
  public void setNull(int p0, int p1, String p2) throws SQLException {
    param(p0, null); // p1 is the SQL type, not a value
    delegate.setNull(p0, p1, p2);
  }

  @Override
  public void setNull(int p0, int p1) throws SQLException {
    param(p0, null); // p1 is the SQL type, not a value
    delegate.setNull(p0, p1);
  }

  @Override
  public void setObject(int p0, Object p1, int p2, int p3) throws SQLException {
    param(p0, p1);
    delegate.setObject(p0, p1, p2, p3);
  }

  @Override
  public void setObject(int p0, Object p1, int p2) throws SQLException {
    param(p0, p1);
    delegate.setObject(p0, p1, p2);
  }

  @Override
  public void setObject(int p0, Object p1, SQLType p2, int p3) throws SQLException {
    param(p0, p1);
    delegate.setObject(p0, p1, p2, p3);
  }

  @Override
  public void setObject(int p0, Object p1, SQLType p2) throws SQLException {
    param(p0, p1);
    delegate.setObject(p0, p1, p2);
  }

  @Override
  public void setObject(int p0, Object p1) throws SQLException {
    param(p0, p1);
    delegate.setObject(p0, p1);
  }

  @Override
  public void setRef(int p0, Ref p1) throws SQLException {
    param(p0, p1);
    delegate.setRef(p0, p1);
  }

  @Override
  public void setRowId(int p0, RowId p1) throws SQLException {
    param(p0, p1);
    delegate.setRowId(p0, p1);
  }

  @Override
  public void setSQLXML(int p0, SQLXML p1) throws SQLException {
    param(p0, p1);
    delegate.setSQLXML(p0, p1);
  }

  @Override
  public void setShort(int p0, short p1) throws SQLException {
    param(p0, p1);
    delegate.setShort(p0, p1);
  }

  @Override
  public void setString(int p0, String p1) throws SQLException {
    param(p0, p1);
    delegate.setString(p0, p1);
  }

  @Override
  public void setTime(int p0, Time p1, Calendar p2) throws SQLException {
    param(p0, p1);
    delegate.setTime(p0, p1, p2);
  }

  @Override
  public void setTime(int p0, Time p1) throws SQLException {
    param(p0, p1);
    delegate.setTime(p0, p1);
  }

  @Override
  public void setTimestamp(int p0, Timestamp p1, Calendar p2) throws SQLException {
    param(p0, p1);
    delegate.setTimestamp(p0, p1, p2);
  }

  @Override
  public void setTimestamp(int p0, Timestamp p1) throws SQLException {
    param(p0, p1);
    delegate.setTimestamp(p0, p1);
  }

  @Override
  public void setURL(int p0, URL p1) throws SQLException {
    param(p0, p1);
    delegate.setURL(p0, p1);
  }

  @Override
  @Deprecated
  @SuppressWarnings("deprecation")
  public void setUnicodeStream(int p0, InputStream p1, int p2) throws SQLException {
    param(p0, p1);
    delegate.setUnicodeStream(p0, p1, p2);
  }
}
