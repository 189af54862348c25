/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sanitize cache behind {@code JdbcInstrumenter}: per dialect, bounded in entries and in what it keeps,
 * no raw literal in memory, and a hot statement stays cached whatever came before it. What it holds is read
 * by walking every object the instrumenter reaches in this package, maps and arrays included.
 */
class SqlCacheTest {
  private static final DbInfo H2 = DbInfo.parse("jdbc:h2:mem:shop");
  private static final DbInfo MYSQL = DbInfo.parse("jdbc:mysql://db1/shop");

  private Obs obs;
  private JdbcInstrumenter instrumenter;

  @BeforeEach
  void setUp() {
    obs = Obs.builder().serviceName("cache").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").build();
    instrumenter = new JdbcInstrumenter(obs, Duration.ofSeconds(1), false, true);
  }

  @AfterEach
  void tearDown() {
    obs.close();
  }

  /** Every object reachable from {@code root} through fields of this package's classes, maps, collections, arrays. */
  private static void walk(Object root, Consumer<Object> visitor) throws IllegalAccessException {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      Object o = todo.pop();
      if (!seen.add(o)) {
        continue;
      }
      visitor.accept(o);
      if (o instanceof Map) {
        for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
          push(todo, e.getKey());
          push(todo, e.getValue());
        }
      } else if (o instanceof Collection) {
        ((Collection<?>) o).forEach(x -> push(todo, x));
      } else if (o.getClass().isArray() && !o.getClass().getComponentType().isPrimitive()) {
        for (int i = 0; i < Array.getLength(o); i++) {
          push(todo, Array.get(o, i));
        }
      } else if (o.getClass().getPackageName().equals("dev.obs4j.jdbc")) {
        for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
          for (Field f : c.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
              f.setAccessible(true);
              push(todo, f.get(o));
            }
          }
        }
      }
    }
  }

  private static void push(Deque<Object> todo, Object o) {
    if (o != null) {
      todo.push(o);
    }
  }

  @Test
  void rawLiterals_areNeverKept_statementsOrPrepared() throws Exception {
    for (int i = 0; i < 3; i++) {
      instrumenter.statement(H2, "SELECT * FROM orders WHERE card = '4111-secret' AND id = " + i);
      instrumenter.statement(MYSQL, "SELECT * FROM orders WHERE card = \"4111-secret\"");
      instrumenter.statement(H2, "SELECT * FROM orders /* 4111-secret */");
      instrumenter.prepared(H2, "SELECT * FROM orders WHERE card = '4111-secret' AND id = ?");
    }
    StringBuilder held = new StringBuilder();
    walk(instrumenter, o -> {
      if (o instanceof String) {
        held.append((String) o).append('\n');
      }
    });
    assertThat(held).contains("SELECT * FROM orders WHERE card = ? AND id = ?").doesNotContain("4111-secret");
  }

  @Test
  void sameText_differentDialects_eachItsOwnReading() {
    String text = "SELECT \"name\" FROM users";
    assertThat(instrumenter.statement(H2, text).text()).isEqualTo("SELECT \"name\" FROM users");
    assertThat(instrumenter.statement(MYSQL, text).text()).isEqualTo("SELECT ? FROM users");
    assertThat(instrumenter.statement(H2, text).text()).isEqualTo("SELECT \"name\" FROM users");
    assertThat(instrumenter.prepared(MYSQL, text).text()).isEqualTo("SELECT ? FROM users");
  }

  @Test
  void hotStatements_stayCached_whateverCameFirst_andTheCacheIsBounded() throws Exception {
    String withLiteral = "SELECT a FROM hot WHERE b = 'x'";
    String clean = "SELECT a FROM hot WHERE b = ?";
    SqlInfo hot1 = instrumenter.statement(H2, withLiteral);
    SqlInfo hot2 = instrumenter.prepared(H2, clean);
    for (int i = 0; i < 20_000; i++) {
      instrumenter.statement(H2, "SELECT * FROM events_" + i + " WHERE id = " + i);
      if (i % 100 == 0) {
        assertThat(instrumenter.statement(H2, withLiteral)).isSameAs(hot1);
        assertThat(instrumenter.prepared(H2, clean)).isSameAs(hot2);
      }
    }
    // a statement first seen after 20,000 others is cached too
    String late = "SELECT a FROM late WHERE b = 'y'";
    assertThat(instrumenter.statement(H2, late)).isSameAs(instrumenter.statement(H2, late));

    int[] infos = new int[1];
    walk(instrumenter, o -> {
      if (o instanceof SqlInfo) {
        infos[0]++;
      }
    });
    assertThat(infos[0]).isLessThanOrEqualTo(4 * SqlCache.GENERATION);
  }

  @Test
  void longStatements_areNotKept() throws Exception {
    String filler = "x".repeat(10_000);
    for (int i = 0; i < 3_000; i++) {
      instrumenter.statement(H2, "SELECT " + filler + " FROM t" + i);
    }
    long[] chars = new long[1];
    walk(instrumenter, o -> {
      if (o instanceof String) {
        chars[0] += ((String) o).length();
      }
    });
    assertThat(chars[0]).isLessThan(1_000_000);
  }
}
