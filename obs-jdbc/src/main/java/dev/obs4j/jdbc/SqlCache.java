/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Sanitized statements, so that a hot statement is lexed once: separate per dialect (the same text reads
 * differently on MySQL and elsewhere) and per kind (a prepared statement keeps its placeholders), bounded in
 * entries and in the length of what it keeps, and holding no literal.
 *
 * <p>A text from which the sanitizer took nothing (no literal, no comment) is its own key: it holds nothing
 * that is not exported anyway, and a lookup costs what {@code String.hashCode} and {@code equals} cost (the
 * hash is kept in the string, so a constant costs a few nanoseconds). Any other text is keyed by two seeded
 * 64-bit hashes and its length, so the raw text, literals and all, is never kept; a collision could only lend
 * one statement another's sanitized text, never a literal. Texts longer than {@link #MAX_CACHED_LENGTH} are
 * not kept. Each table holds two generations of at most {@link #GENERATION} entries: a new entry goes into
 * the young one, an entry found in the old one moves to the young one, and when the young one is full it
 * becomes the old one and the old one is dropped. What is used stays, whatever came first.
 */
final class SqlCache {
  static final int MAX_CACHED_LENGTH = 2048;
  static final int GENERATION = 256;

  /** How a text is read. */
  enum Kind {
    /** A plain statement, sanitized; {@code IN} lists collapsed. */
    STATEMENT,
    /** A prepared statement's text, sanitized; its placeholders as written. */
    PREPARED,
    /** Sanitizing turned off: the text as written. */
    RAW
  }

  private final Generations<String>[] clean;
  private final Generations<Key>[] hashed;
  private final long seed1;
  private final long seed2;

  @SuppressWarnings({"unchecked", "rawtypes"})
  SqlCache() {
    int slots = Kind.values().length * 2;
    clean = new Generations[slots];
    hashed = new Generations[slots];
    for (int i = 0; i < slots; i++) {
      clean[i] = new Generations<>();
      hashed[i] = new Generations<>();
    }
    SecureRandom random = new SecureRandom();
    seed1 = random.nextLong();
    seed2 = random.nextLong() | 1L;
  }

  /** The sanitized form of {@code sql} as {@code kind} reads it on a database of that dialect. */
  SqlInfo get(String sql, boolean mysql, Kind kind) {
    int slot = kind.ordinal() * 2 + (mysql ? 1 : 0);
    boolean cacheable = sql.length() <= MAX_CACHED_LENGTH;
    if (cacheable) {
      SqlInfo info = clean[slot].get(sql);
      if (info != null) {
        return info;
      }
    }
    if (kind == Kind.RAW) {
      SqlInfo info = SqlSanitizer.describePrepared(sql);
      if (cacheable) {
        clean[slot].put(sql, info); // the user chose to record raw text
      }
      return info;
    }
    @Nullable Key key = null;
    if (cacheable) {
      key = key(sql);
      SqlInfo info = hashed[slot].get(key);
      if (info != null) {
        return info;
      }
    }
    SqlSanitizer.Sanitized sanitized = SqlSanitizer.sanitize(sql, mysql, kind == Kind.STATEMENT);
    if (key != null) {
      if (sanitized.redacted()) {
        hashed[slot].put(key, sanitized.info());
      } else {
        clean[slot].put(sql, sanitized.info());
      }
    }
    return sanitized.info();
  }

  /** Entries held, both tables and generations, for tests. */
  int size() {
    int size = 0;
    for (int i = 0; i < clean.length; i++) {
      size += clean[i].size() + hashed[i].size();
    }
    return size;
  }

  /** Whether some table holds {@code text} itself as a key, for tests. */
  boolean holdsKey(String text) {
    for (Generations<String> table : clean) {
      if (table.get(text) != null) {
        return true;
      }
    }
    return false;
  }

  private Key key(String sql) {
    // Four characters to a word, two independent chains (one multiply per word each); plus String's own
    // hash, free for a constant (the string keeps it).
    long h1 = seed1;
    long h2 = seed2;
    int n = sql.length();
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      long w = sql.charAt(i) | (long) sql.charAt(i + 1) << 16 | (long) sql.charAt(i + 2) << 32
          | (long) sql.charAt(i + 3) << 48;
      h1 = Long.rotateLeft((h1 ^ w) * 0x9E3779B97F4A7C15L, 29);
      h2 = Long.rotateLeft((h2 + w) * 0xC2B2AE3D27D4EB4FL, 31);
    }
    for (; i < n; i++) {
      h1 = (h1 ^ sql.charAt(i)) * 0x100000001b3L;
      h2 = (h2 + sql.charAt(i)) * 0x9E3779B97F4A7C15L;
    }
    return new Key(mix(h1), mix(h2 ^ sql.hashCode()), n);
  }

  /** MurmurHash3's 64-bit finalizer. */
  private static long mix(long h) {
    long k = h;
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }

  private record Key(long h1, long h2, int length) {}

  /** Two generations of a bounded map; see the class comment. */
  private static final class Generations<K> {
    private volatile ConcurrentHashMap<K, SqlInfo> young = new ConcurrentHashMap<>();
    private volatile ConcurrentHashMap<K, SqlInfo> old = new ConcurrentHashMap<>();

    @Nullable SqlInfo get(K key) {
      SqlInfo info = young.get(key);
      if (info == null) {
        info = old.get(key);
        if (info != null) {
          put(key, info); // still in use: keep it through the next turn
        }
      }
      return info;
    }

    void put(K key, SqlInfo info) {
      ConcurrentHashMap<K, SqlInfo> y = young;
      y.put(key, info);
      if (y.size() >= GENERATION) {
        turn(y);
      }
    }

    private synchronized void turn(ConcurrentHashMap<K, SqlInfo> full) {
      if (young == full) {
        old = full;
        young = new ConcurrentHashMap<>();
      }
    }

    int size() {
      return young.size() + old.size();
    }
  }
}
