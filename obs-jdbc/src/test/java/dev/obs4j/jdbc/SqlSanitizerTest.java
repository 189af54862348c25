/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SqlSanitizerTest {
  /** A digit that does not continue an identifier, a $n placeholder or a quoted identifier. */
  private static final Pattern NUMBER_LITERAL = Pattern.compile("(?<![\\p{L}\\p{N}_$])[0-9]");
  private static final Pattern QUOTED_IDENTIFIER = Pattern.compile("\"(?:[^\"]|\"\")*\"|\\$[0-9]+");

  /** Control characters spelled out, so a failing input prints on one line. */
  private static String escape(String s) {
    return s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
  }

  private static void assertNoLiterals(String output) {
    assertThat(output).as(escape(output)).doesNotContain("'");
    String code = QUOTED_IDENTIFIER.matcher(output).replaceAll("");
    assertThat(NUMBER_LITERAL.matcher(code).find()).as("number literal left in <%s>", output).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '^', value = {
      "SELECT * FROM orders WHERE id = 42 | SELECT * FROM orders WHERE id = ? | SELECT | orders",
      "select * from t1 where name = 'O''Brien' | select * from t1 where name = ? | SELECT | t1",
      "SELECT a FROM \"Order Items\" WHERE x = -1.5e10 | SELECT a FROM \"Order Items\" WHERE x = -? | SELECT | Order Items",
      "UPDATE accounts SET flag = TRUE, hex = 0xDEADBEEF, bits = B'0101' WHERE k = X'0F' | UPDATE accounts SET flag = ?, hex = ?, bits = ? WHERE k = ? | UPDATE | accounts",
      "DELETE FROM s.t WHERE id IN (1, 2, 3, 4) | DELETE FROM s.t WHERE id IN (?) | DELETE | s.t",
      "INSERT INTO log (msg) VALUES ($$it's $1 -- not a comment$$) | INSERT INTO log (msg) VALUES (?) | INSERT | log",
      "SELECT $tag$ body $$ $tag$, $1 FROM t | SELECT ?, $1 FROM t | SELECT | t",
      "SELECT /* id = 7 */ x FROM t -- where y = 'z' | SELECT x FROM t | SELECT | t",
      "SELECT E'it\\'s' FROM t | SELECT ? FROM t | SELECT | t",
      "WITH r AS (SELECT 1) SELECT * FROM r | WITH r AS (SELECT ?) SELECT * FROM r | WITH | ",
      "CREATE TABLE IF NOT EXISTS orders (id INT) | CREATE TABLE IF NOT EXISTS orders (id INT) | CREATE | orders",
      "SELECT 'unterminated | SELECT ? | SELECT | ",
      "call proc(1, 'x') | call proc(?, ?) | CALL | proc",
      "^^ |  |  | ",
  })
  void sanitize_examples(String in, String out, String operation, String table) {
    SqlInfo info = SqlSanitizer.sanitize(in, false);
    assertThat(info.text()).isEqualTo(out == null ? "" : out);
    assertThat(info.operation()).isEqualTo(operation);
    assertThat(info.collection()).isEqualTo(table);
  }

  // Error messages: each literal form's content, bound values, single-quoted runs and PostgreSQL's Detail go.
  @Test
  void scrub_takesEveryLiteralFormAndBoundValueOutOfAMessage_andKeepsTheRest() {
    assertThat(SqlSanitizer.scrub(
            "ERROR: invalid input syntax for type integer: \"abc-secret\"\n  Position: 13",
            "SELECT CAST('abc-secret' AS INTEGER)", null, false))
        .isEqualTo("ERROR: invalid input syntax for type integer: \"?\"\n  Position: 13");
    assertThat(SqlSanitizer.scrub("bad value q-secret here", "SELECT q'[q-secret]' FROM dual", null, false))
        .isEqualTo("bad value ? here");
    assertThat(SqlSanitizer.scrub("bad value dollar-secret", "SELECT $tag$dollar-secret$tag$", null, false))
        .isEqualTo("bad value ?");
    assertThat(SqlSanitizer.scrub("Unknown column 'x' near \"my-secret\"", "SELECT \"my-secret\"", null, true))
        .isEqualTo("Unknown column '?' near ?");
    assertThat(SqlSanitizer.scrub("it's o'brien", "SELECT 'o''brien'", null, false)).isEqualTo("it's ?");
    assertThat(SqlSanitizer.scrub("ERROR: duplicate key value violates unique constraint \"users_pkey\"\n"
            + "  Detail: Key (email)=(a@b.example) already exists.", "INSERT INTO users VALUES (?)", null, false))
        .isEqualTo("ERROR: duplicate key value violates unique constraint \"users_pkey\"\n  Detail: ?");
    assertThat(SqlSanitizer.scrub("conversion of \"param-secret\" at line 12 failed for 123456",
            "SELECT CAST(? AS INT) + ?", new Object[] {"param-secret", 123456, "ab", null}, false))
        .isEqualTo("conversion of \"?\" at line 12 failed for ?");
    assertThat(SqlSanitizer.scrub("Table \"ORDERS\" not found; line 12", "SELECT * FROM orders WHERE id = 12", null, false))
        .as("short numbers and identifiers stay: the message still says what failed")
        .isEqualTo("Table \"ORDERS\" not found; line 12");
  }

  @Test
  void mysql_backslashesEscape_andDoubleQuotesAreStrings() {
    SqlInfo info = SqlSanitizer.sanitize("SELECT * FROM `users` WHERE name = \"bob\" AND note = 'it\\'s 5'", true);
    assertThat(info.text()).isEqualTo("SELECT * FROM `users` WHERE name = ? AND note = ?");
    assertThat(info.collection()).isEqualTo("users");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '^', value = {
      "SELECT q'[it's secret]' FROM dual | SELECT ? FROM dual",
      "SELECT Q'{a'' secret}' , nq'!x'' secret!' FROM dual | SELECT ? , ? FROM dual",
      "SELECT q'<secret>', q'(secret)', q'#secret#' FROM dual | SELECT ?, ?, ? FROM dual",
      "SELECT q'[never closed secret FROM dual | SELECT ?",
      "SELECT q FROM t WHERE q = 'x' | SELECT q FROM t WHERE q = ?",
  })
  void oracleAlternativeQuoting_isOneLiteral(String in, String out) {
    for (boolean mysql : new boolean[] {false, true}) {
      assertThat(SqlSanitizer.sanitize(in, mysql).text()).isEqualTo(out);
    }
  }

  @Test
  void mysql_hashStartsAComment_elsewhereItIsAnOperator() {
    assertThat(SqlSanitizer.sanitize("SELECT a FROM t # secret words\nWHERE b = 1", true).text())
        .isEqualTo("SELECT a FROM t WHERE b = ?");
    assertThat(SqlSanitizer.sanitize("SELECT a # b FROM t", false).text()).isEqualTo("SELECT a # b FROM t");
  }

  @Test
  void prepared_literalsGo_placeholdersStayAsWritten_andRedactedSaysWhetherAnythingWent() {
    SqlSanitizer.Sanitized concatenated =
        SqlSanitizer.sanitize("SELECT * FROM t WHERE a = 'secret' AND b IN (?, ?, ?) AND c = $1", false, false);
    assertThat(concatenated.info().text()).isEqualTo("SELECT * FROM t WHERE a = ? AND b IN (?, ?, ?) AND c = $1");
    assertThat(concatenated.redacted()).isTrue();
    SqlSanitizer.Sanitized clean = SqlSanitizer.sanitize("SELECT *\n  FROM t WHERE b IN (?, ?)", false, false);
    assertThat(clean.info().text()).isEqualTo("SELECT * FROM t WHERE b IN (?, ?)");
    assertThat(clean.redacted()).isFalse();
    assertThat(SqlSanitizer.sanitize("SELECT a /* note */ FROM t", false, true).redacted()).isTrue();
    assertThat(SqlSanitizer.sanitize("SELECT \"a\" FROM t", true, true).redacted()).isTrue();
    assertThat(SqlSanitizer.sanitize("SELECT \"a\" FROM t", false, true).redacted()).isFalse();
  }

  private static final String CONTROL = "\r\u0000\u0001\u001b\u007f\u000b\f\u0085\u2028";
  private static final Pattern CONTROL_CHAR = Pattern.compile("[\\x00-\\x1f\\x7f]");
  private static final String ALPHABET = "abcXYZ019 '\"\\`$-/*\n\t;,()_.e+é中";

  private static String randomText(Random random, int max) {
    int length = random.nextInt(max);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    // surrogate pairs may have been split: keep the text well-formed enough to print
    return sb.toString();
  }

  /** A literal in valid standard SQL, carrying {@code marker}; returns it. */
  private static String literal(Random random, String marker) {
    String content = randomText(random, 12) + marker + randomText(random, 12);
    switch (random.nextInt(6)) {
      case 0:
        return "'" + content.replace("'", "''") + "'";
      case 1:
        return "E'" + content.replace("\\", "\\\\").replace("'", "\\'") + "'";
      case 2: {
        String tag = random.nextBoolean() ? "" : "q" + random.nextInt(100);
        String body = content.replace("$", "");
        return "$" + tag + "$" + body + "$" + tag + "$";
      }
      case 3:
        return Integer.toString(random.nextInt()) ;
      case 4:
        return (random.nextBoolean() ? "-" : "") + random.nextInt(1000) + "." + random.nextInt(1000)
            + (random.nextBoolean() ? "e" + (random.nextBoolean() ? "-" : "") + random.nextInt(40) : "");
      default:
        return "0x" + Integer.toHexString(random.nextInt());
    }
  }

  @Test
  void generatedStatements_neverKeepALiteral() {
    Random random = new Random(20261122);
    String[] templates = {
        "SELECT * FROM t WHERE a = %s AND b = %s",
        "INSERT INTO t (a, b) VALUES (%s, %s)",
        "UPDATE t SET a = %s /* note %s */ WHERE id = 1",
        "DELETE FROM t WHERE id IN (%s, %s, 3)",
        "SELECT %s -- trailing %s\nFROM t",
        "SELECT \"col\" FROM \"t\" WHERE x=%s OR y=%s",
    };
    for (int i = 0; i < 100_000; i++) {
      String marker = "zq" + Integer.toString(i, 36) + "qz";
      String template = templates[random.nextInt(templates.length)];
      String second = literal(random, marker);
      if (template.contains("--")) {
        second = second.replace("\n", " "); // a line comment ends at the line's end, quotes or not
      } else if (template.contains("/*")) {
        second = second.replace("*/", "* /"); // and a block comment at the first */
      }
      String sql = String.format(template, literal(random, marker), second);
      SqlInfo info = SqlSanitizer.sanitize(sql, false);
      assertThat(info.text()).as(escape(sql)).doesNotContain(marker);
      assertNoLiterals(info.text());
    }
  }

  @Test
  void hostileInput_neverThrows_andLeavesNoQuoteOrNumber_norAControlCharacter() {
    Random random = new Random(42);
    for (int i = 0; i < 100_000; i++) {
      String garbage = randomText(random, 200);
      if (i % 10 == 0) {
        garbage = garbage + CONTROL.charAt(random.nextInt(CONTROL.length())) + randomText(random, 50);
      }
      for (boolean mysql : new boolean[] {false, true}) {
        SqlInfo info = SqlSanitizer.sanitize(garbage, mysql);
        String input = escape(garbage);
        assertThat(info).isNotNull();
        // the statement text becomes a span attribute and may be logged: it must not split a line
        assertThat(CONTROL_CHAR.matcher(info.text()).find()).as("control character in <%s>", escape(info.text())).isFalse();
        if (!mysql) {
          assertThat(info.text()).as(input).satisfies(SqlSanitizerTest::assertNoLiterals);
        } else {
          assertThat(info.text()).doesNotContain("'");
        }
      }
      SqlSanitizer.describePrepared(garbage);
    }
    assertThat(SqlSanitizer.sanitize(null, false).text()).isEmpty();
    String huge = "SELECT '" + "x".repeat(100_000) + "' FROM t";
    assertThat(SqlSanitizer.sanitize(huge, false).text()).hasSizeLessThan(SqlSanitizer.MAX_INPUT + 10);
  }
}
