/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The operation and the target read from statement texts that trip a naive reading. */
class SqlOperationTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{call p(?)}                                          | CALL   | p",
      "{ call shop.p(?, ?) }                                | CALL   | shop.p",
      "{? = call f(?)}                                      | CALL   | f",
      "{?= call f(?)}                                       | CALL   | f",
      "{ ? = CALL f }                                       | CALL   | f",
      "CALL p(1)                                            | CALL   | p",
      "SELECT EXTRACT(YEAR FROM created_at) FROM orders     | SELECT | orders",
      "SELECT SUBSTRING(name FROM 2 FOR 3), TRIM(BOTH ' ' FROM status) FROM orders o | SELECT | orders",
      "SELECT * FROM (SELECT id FROM orders) x              | SELECT | ",
      "DELETE FROM orders WHERE id IN (SELECT id FROM old)  | DELETE | orders",
      "INSERT INTO orders(id, status) VALUES (?, ?)         | INSERT | orders",
  })
  void operationAndTarget(String sql, String operation, String target) {
    SqlInfo statement = SqlSanitizer.sanitize(sql, false);
    assertThat(statement.operation()).as("operation of %s", sql).isEqualTo(operation);
    assertThat(statement.collection()).as("target of %s", sql).isEqualTo(target);
    SqlInfo prepared = SqlSanitizer.describePrepared(sql);
    assertThat(prepared.operation()).as("prepared operation of %s", sql).isEqualTo(operation);
    assertThat(prepared.collection()).as("prepared target of %s", sql).isEqualTo(target);
  }
}
