/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Replaces the literals in SQL text with {@code ?} (strings, numbers, hex and bit strings, booleans,
 * PostgreSQL dollar-quoted strings, Oracle {@code q'[...]'} strings), collapses {@code IN (?, ?, ...)} to {@code IN (?)}, drops comments, and
 * finds the operation and the table. A small hand-written lexer: the one in OpenTelemetry's instrumentation
 * is an alpha, generated artifact that would pull its whole instrumentation API; this one only has to be
 * total (never throws, on any input) and conservative (what it cannot read as code becomes {@code ?}).
 */
final class SqlSanitizer {
  static final int MAX_INPUT = 32 * 1024;

  private static final Pattern IN_LIST =
      Pattern.compile("(?i)\\bIN\\s*\\(\\s*\\?(?:\\s*,\\s*\\?)+\\s*\\)");
  private static final Set<String> OPERATIONS =
      Set.of(
          "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "CALL", "WITH", "VALUES",
          "CREATE", "DROP", "ALTER", "TRUNCATE", "BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW", "EXPLAIN",
          "GRANT", "REVOKE", "LOCK", "EXEC", "EXECUTE");

  private SqlSanitizer() {}

  /** A sanitized statement, and whether anything was taken out of it (a literal, a comment, a cut tail). */
  record Sanitized(SqlInfo info, boolean redacted) {}

  /**
   * Sanitizes {@code sql}. With {@code mysql} (MySQL, MariaDB), a backslash escapes a quote in string
   * literals, {@code "..."} is a string (not an identifier), backticks quote identifiers and {@code #} starts
   * a comment. {@code IN (?, ?, ...)} becomes {@code IN (?)}.
   */
  static SqlInfo sanitize(@Nullable String sql, boolean mysql) {
    return sanitize(sql, mysql, true).info();
  }

  /**
   * As {@link #sanitize(String, boolean)}; with {@code collapseInLists} false (prepared statements), the
   * {@code ?} placeholders stay as written, so that their count still matches the bind values.
   */
  static Sanitized sanitize(@Nullable String sql, boolean mysql, boolean collapseInLists) {
    if (sql == null) {
      return new Sanitized(new SqlInfo("", null, null), false);
    }
    try {
      boolean[] redacted = new boolean[2];
      String text = lex(sql, mysql, collapseInLists, redacted);
      return new Sanitized(describe(text), redacted[0]);
    } catch (RuntimeException e) {
      return new Sanitized(new SqlInfo("?", null, null), true); // cannot happen by design; never fail the statement
    }
  }

  /** Keeps prepared-statement text as written, only finding the operation and table (sanitizing turned off). */
  static SqlInfo describePrepared(@Nullable String sql) {
    if (sql == null) {
      return new SqlInfo("", null, null);
    }
    try {
      String text = sql.length() > MAX_INPUT ? sql.substring(0, MAX_INPUT) + "..." : sql;
      SqlInfo scanned = describe(lex(text, false, true, new boolean[2]));
      return new SqlInfo(text.strip(), scanned.operation(), scanned.collection());
    } catch (RuntimeException e) {
      return new SqlInfo(sql, null, null);
    }
  }

  private static String lex(String input, boolean mysql, boolean collapseInLists, boolean[] redacted) {
    return lex(input, mysql, collapseInLists, redacted, null);
  }

  /**
   * The text with its literals replaced by {@code ?} and its comments dropped; {@code redacted[0]} tells whether
   * anything was; each literal as written is added to {@code literals}, when given.
   */
  private static String lex(
      String input, boolean mysql, boolean collapseInLists, boolean[] redacted, @Nullable List<String> literals) {
    boolean backslashEscapes = mysql;
    boolean truncated = input.length() > MAX_INPUT;
    String s = truncated ? input.substring(0, MAX_INPUT) : input;
    int n = s.length();
    StringBuilder out = new StringBuilder(Math.min(n, 4096));
    int i = 0;
    while (i < n) {
      int start = i;
      char c = s.charAt(i);
      char next = i + 1 < n ? s.charAt(i + 1) : '\0';
      if ((c == '-' && next == '-') || (c == '#' && mysql)) {
        int end = s.indexOf('\n', i);
        i = end < 0 ? n : end;
        space(out);
        redacted[0] = true;
      } else if (c == '/' && next == '*') {
        int end = s.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
        space(out);
        redacted[0] = true;
      } else if (c == '\'') {
        i = skipQuoted(s, i, '\'', backslashEscapes);
        literal(out, redacted);
      } else if (c == '"') {
        if (mysql) {
          i = skipQuoted(s, i, '"', backslashEscapes);
          literal(out, redacted);
        } else {
          i = quotedIdentifier(s, i, '"', out, redacted);
        }
      } else if (c == '`' && mysql) {
        i = quotedIdentifier(s, i, '`', out, redacted);
      } else if (c == '$') {
        if (Character.isDigit(next)) {
          int j = i + 1;
          while (j < n && Character.isDigit(s.charAt(j))) {
            j++;
          }
          out.append(s, i, j); // positional parameter $1
          i = j;
        } else {
          int tagEnd = dollarTagEnd(s, i);
          if (tagEnd > 0) {
            String tag = s.substring(i, tagEnd + 1);
            int close = s.indexOf(tag, tagEnd + 1);
            i = close < 0 ? n : close + tag.length();
            literal(out, redacted);
          } else {
            out.append(c);
            i++;
          }
        }
      } else if (Character.isDigit(c) || (c == '.' && Character.isDigit(next) && !identifierBefore(out))) {
        if (identifierBefore(out)) {
          out.append(c); // part of an identifier such as t1
          i++;
        } else {
          i = skipNumber(s, i);
          literal(out, redacted);
        }
      } else if (Character.isLetter(c) || c == '_') {
        int j = i + 1;
        while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_' || s.charAt(j) == '$')) {
          j++;
        }
        String word = s.substring(i, j);
        char after = j < n ? s.charAt(j) : '\0';
        int quoteEnd = after == '\'' ? oracleQuoted(s, j, word) : -1;
        if (quoteEnd >= 0) {
          i = quoteEnd; // q'[it's]'
          literal(out, redacted);
        } else if (after == '\'' && isLiteralPrefix(word)) {
          i = skipQuoted(s, j, '\'', backslashEscapes || word.equalsIgnoreCase("E"));
          literal(out, redacted);
        } else if (word.equalsIgnoreCase("TRUE") || word.equalsIgnoreCase("FALSE")) {
          literal(out, redacted);
          i = j;
        } else {
          out.append(word);
          i = j;
        }
      } else if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        space(out); // NUL, ESC, DEL ... would reach span attributes and log lines as they are
        i++;
      } else {
        out.append(c);
        i++;
      }
      if (redacted[1]) {
        redacted[1] = false;
        if (literals != null) {
          literals.add(s.substring(start, i));
        }
      }
    }
    String text = out.toString().strip();
    if (collapseInLists) {
      text = IN_LIST.matcher(text).replaceAll("IN (?)");
    }
    if (truncated) {
      redacted[0] = true;
      return text + " ...";
    }
    return text;
  }

  private static void literal(StringBuilder out, boolean[] redacted) {
    out.append('?');
    redacted[0] = true;
    redacted[1] = true;
  }

  /** A quoted literal's content shorter than this is not searched for in messages: it would match too much. */
  private static final int MIN_SCRUBBED_CONTENT = 3;
  /** A number literal shorter than this is not either (line and column numbers, error codes). */
  private static final int MIN_SCRUBBED_NUMBER = 4;
  private static final Pattern SINGLE_QUOTED = Pattern.compile("'(?:[^'\\n]|'')*'");
  private static final Pattern PG_DETAIL = Pattern.compile("(Detail: )[^\\n]*");

  /**
   * {@code message}, a database's error message or stack trace about {@code sql}, with what could be a value
   * taken out, since drivers quote the failing statement and the values they choke on: each literal of
   * {@code sql} (as written, and a quoted one's content of at least three characters; a number of at least four
   * digits), every single-quoted run (how H2, MySQL, Oracle and SQL Server quote a value or a statement's
   * fragment) and PostgreSQL's {@code Detail:} text (which lists a row's values) become {@code ?}; so do the
   * statement's bound {@code values} (strings of at least three characters, numbers of at least four digits).
   * Written here because no driver offers a message without values.
   */
  static String scrub(String message, @Nullable String sql, Object @Nullable [] values, boolean mysql) {
    String out = message;
    if (values != null) {
      for (Object value : values) {
        if (value instanceof CharSequence || value instanceof Number || value instanceof java.util.UUID) {
          String text = value.toString();
          if (text.length() >= (value instanceof Number ? MIN_SCRUBBED_NUMBER : MIN_SCRUBBED_CONTENT)) {
            out = out.replace(text, "?");
          }
        }
      }
    }
    if (sql != null) {
      List<String> literals = new ArrayList<>();
      lex(sql, mysql, false, new boolean[2], literals);
      literals.sort((a, b) -> b.length() - a.length()); // the longest first, so a shorter one inside stays found
      for (String literal : literals) {
        String content = content(literal);
        boolean number = !literal.isEmpty() && (Character.isDigit(literal.charAt(0)) || literal.charAt(0) == '.');
        if (!number || literal.length() >= MIN_SCRUBBED_NUMBER) {
          out = out.replace(literal, "?"); // as written: quoted, so never a word of the message
        }
        if (!number && content.length() >= MIN_SCRUBBED_CONTENT) {
          out = out.replace(content, "?");
        }
      }
    }
    out = SINGLE_QUOTED.matcher(out).replaceAll("'?'");
    return PG_DETAIL.matcher(out).replaceAll("$1?");
  }

  /** A literal's content: between its quotes (or dollar tags, or Oracle's delimiters), escapes undone. */
  private static String content(String literal) {
    int open = literal.indexOf('\'');
    if (literal.startsWith("$")) {
      int tag = literal.indexOf('$', 1);
      return tag > 0 && literal.length() >= 2 * (tag + 1) ? literal.substring(tag + 1, literal.length() - tag - 1) : literal;
    }
    if (open < 0) {
      if (literal.startsWith("\"") && literal.endsWith("\"") && literal.length() >= 2) {
        return literal.substring(1, literal.length() - 1).replace("\"\"", "\"");
      }
      return literal; // a number, TRUE, FALSE
    }
    String body = literal.endsWith("'") && literal.length() > open + 1 ? literal.substring(open + 1, literal.length() - 1)
        : literal.substring(open + 1);
    if (open > 0 && Character.toLowerCase(literal.charAt(open - 1)) == 'q' && body.length() >= 2) {
      return body.substring(1, body.length() - 1); // q'[...]'
    }
    return body.replace("''", "'");
  }

  /**
   * For Oracle's alternative quoting ({@code q'[...]'}, {@code Q'{...}'}, {@code nq'!...!'}), the index after
   * the literal whose {@code q} word ends at {@code quote}; -1 when {@code word} is not such a prefix. The
   * closing delimiter is the opening one, or its mirror for {@code [ { ( <}; never closed, the literal runs
   * to the end. No other dialect has {@code q'} before a literal, so this reading is taken everywhere.
   */
  private static int oracleQuoted(String s, int quote, String word) {
    if (!(word.equalsIgnoreCase("q") || word.equalsIgnoreCase("nq")) || quote + 1 >= s.length()) {
      return -1;
    }
    char open = s.charAt(quote + 1);
    if (open == ' ' || open == '\t' || open == '\n' || open == '\r' || open == '\'') {
      return -1;
    }
    char close;
    switch (open) {
      case '[':
        close = ']';
        break;
      case '{':
        close = '}';
        break;
      case '(':
        close = ')';
        break;
      case '<':
        close = '>';
        break;
      default:
        close = open;
        break;
    }
    for (int k = quote + 2; k + 1 < s.length(); k++) {
      if (s.charAt(k) == close && s.charAt(k + 1) == '\'') {
        return k + 2;
      }
    }
    return s.length();
  }

  private static boolean isLiteralPrefix(String word) {
    switch (word.toUpperCase(Locale.ROOT)) {
      case "X": // hex string X'0F'
      case "B": // bit string B'0101'
      case "E": // PostgreSQL escape string E'a\'b'
      case "N": // national string N'...'
        return true;
      default:
        return false;
    }
  }

  private static boolean identifierBefore(StringBuilder out) {
    if (out.length() == 0) {
      return false;
    }
    char last = out.charAt(out.length() - 1);
    return Character.isLetterOrDigit(last) || last == '_' || last == '$';
  }

  private static void space(StringBuilder out) {
    if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
      out.append(' ');
    }
  }

  /**
   * Copies a quoted identifier. One that never closes, or that holds a quote or a control character, is
   * not trusted (it may be a literal the lexer misread) and becomes {@code ?}.
   */
  private static int quotedIdentifier(String s, int start, char quote, StringBuilder out, boolean[] redacted) {
    int end = closingQuote(s, start, quote, false);
    if (end < 0) {
      literal(out, redacted);
      return s.length();
    }
    for (int k = start + 1; k < end - 1; k++) {
      char c = s.charAt(k);
      if (c == '\'' || Character.isISOControl(c)) {
        literal(out, redacted);
        return end;
      }
    }
    out.append(s, start, end);
    return end;
  }

  /** The index after the literal that starts at {@code start} (a quote); the end of input if unterminated. */
  private static int skipQuoted(String s, int start, char quote, boolean backslashEscapes) {
    int end = closingQuote(s, start, quote, backslashEscapes);
    return end < 0 ? s.length() : end;
  }

  /** The index after the closing quote of the quoted run at {@code start}, or -1 if it never closes. */
  private static int closingQuote(String s, int start, char quote, boolean backslashEscapes) {
    int n = s.length();
    int j = start + 1;
    while (j < n) {
      char c = s.charAt(j);
      if (backslashEscapes && c == '\\') {
        j += 2;
      } else if (c == quote) {
        if (j + 1 < n && s.charAt(j + 1) == quote) {
          j += 2; // doubled quote
        } else {
          return j + 1;
        }
      } else {
        j++;
      }
    }
    return -1;
  }

  /** For {@code $tag$} starting at {@code start}, the index of the closing {@code $} of the tag, else -1. */
  private static int dollarTagEnd(String s, int start) {
    int n = s.length();
    int j = start + 1;
    if (j < n && s.charAt(j) == '$') {
      return j; // $$
    }
    if (j >= n || !(Character.isLetter(s.charAt(j)) || s.charAt(j) == '_')) {
      return -1;
    }
    while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
      j++;
    }
    return j < n && s.charAt(j) == '$' ? j : -1;
  }

  private static int skipNumber(String s, int start) {
    int n = s.length();
    int j = start;
    if (s.charAt(j) == '0' && j + 1 < n && (s.charAt(j + 1) == 'x' || s.charAt(j + 1) == 'X')) {
      j += 2;
      while (j < n && Character.digit(s.charAt(j), 16) >= 0) {
        j++;
      }
      return j;
    }
    while (j < n) {
      char c = s.charAt(j);
      if (Character.isDigit(c) || c == '.') {
        j++;
      } else if ((c == 'e' || c == 'E')
          && j + 1 < n
          && (Character.isDigit(s.charAt(j + 1))
              || ((s.charAt(j + 1) == '+' || s.charAt(j + 1) == '-') && j + 2 < n && Character.isDigit(s.charAt(j + 2))))) {
        j += 2;
      } else if (Character.isLetter(c) || c == '_') {
        j++; // 10L, 1d, 12abc: swallowed, so no digit is left behind
      } else {
        break;
      }
    }
    return j;
  }

  /** Finds the operation and the first table from sanitized text. */
  private static SqlInfo describe(String text) {
    String[] tokens = tokens(text);
    int t = 0;
    // JDBC escape syntax {? = call f(?)}: the braces are separators, the result marker goes
    while (t < tokens.length
        && (tokens[t].isEmpty() || tokens[t].equals("?") || tokens[t].equals("=") || tokens[t].equals("?="))) {
      t++;
    }
    if (t >= tokens.length) {
      return new SqlInfo(text, null, null);
    }
    String operation = tokens[t].toUpperCase(Locale.ROOT);
    if (!OPERATIONS.contains(operation)) {
      return new SqlInfo(text, null, null);
    }
    String collection = null;
    switch (operation) {
      case "SELECT":
      case "DELETE":
        collection = after(tokens, t + 1, "FROM");
        break;
      case "INSERT":
      case "MERGE":
      case "REPLACE":
      case "UPSERT":
        collection = after(tokens, t + 1, "INTO");
        break;
      case "UPDATE":
        collection = identifier(tokens, t + 1);
        break;
      case "CALL": // the procedure or function: {call p(?)}, CALL p(?)
      case "EXEC":
      case "EXECUTE":
        collection = identifier(tokens, t + 1);
        break;
      case "CREATE":
      case "DROP":
      case "ALTER":
      case "TRUNCATE":
        collection = after(tokens, t + 1, "TABLE");
        break;
      default:
        break;
    }
    return new SqlInfo(text, operation, collection);
  }

  /**
   * Words of the sanitized text, a double-quoted identifier (with its spaces) counting as one, and each
   * parenthesis as a token of its own (so that keywords inside them can be told apart); at most 64.
   */
  private static String[] tokens(String text) {
    java.util.List<String> tokens = new java.util.ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n && tokens.size() < 64) {
      char c = text.charAt(i);
      if (c == '(' || c == ')') {
        tokens.add(c == '(' ? "(" : ")");
        i++;
      } else if (Character.isWhitespace(c) || c == ',' || c == ';' || c == '{' || c == '}') {
        i++;
      } else {
        int j = i;
        while (j < n) {
          char d = text.charAt(j);
          if (d == '"') {
            int close = text.indexOf('"', j + 1);
            j = close < 0 ? n : close + 1;
          } else if (Character.isWhitespace(d) || d == '(' || d == ')' || d == ',' || d == ';' || d == '{'
              || d == '}') {
            break;
          } else {
            j++;
          }
        }
        tokens.add(text.substring(i, j));
        i = j;
      }
    }
    return tokens.toArray(new String[0]);
  }

  /** The identifier after {@code keyword} outside parentheses: EXTRACT(YEAR FROM d) names no table. */
  private static @Nullable String after(String[] tokens, int from, String keyword) {
    int depth = 0;
    for (int i = from; i < tokens.length; i++) {
      if (tokens[i].equals("(")) {
        depth++;
      } else if (tokens[i].equals(")")) {
        depth = Math.max(0, depth - 1);
      } else if (depth == 0 && tokens[i].equalsIgnoreCase(keyword)) {
        int j = i + 1;
        // CREATE TABLE IF NOT EXISTS x, DELETE FROM ONLY x
        while (j < tokens.length
            && (tokens[j].equalsIgnoreCase("IF") || tokens[j].equalsIgnoreCase("NOT")
                || tokens[j].equalsIgnoreCase("EXISTS") || tokens[j].equalsIgnoreCase("ONLY"))) {
          j++;
        }
        return identifier(tokens, j);
      }
    }
    return null;
  }

  private static @Nullable String identifier(String[] tokens, int index) {
    if (index >= tokens.length) {
      return null;
    }
    String token = tokens[index];
    if (token.isEmpty() || token.length() > 128 || token.contains("?") || token.equalsIgnoreCase("SELECT")) {
      return null;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '"' || c == '`' || c == '$' || c == ' ')) {
        return null;
      }
    }
    return token.replace("\"", "").replace("`", "");
  }
}
