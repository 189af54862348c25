/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import dev.obs4j.jdbc.ObsJdbc;
import io.javalin.Javalin;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.logging.log4j.Level;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * threads.adoc: a Javalin async handler whose query runs on the application's pool, and a scheduled job,
 * over a real H2 database and a real Javalin on loopback; the log lines are log4j2's own events.
 */
class ThreadsDocTest {
  private static final Logger log = LoggerFactory.getLogger("dev.obs4j.docs.threads");

  /** The application's data access, as a user writes it: plain JDBC on the wrapped DataSource. */
  record Orders(DataSource db) {
    String load(String id) {
      log.info("loading order {}", id);
      try (Connection c = db.getConnection(); PreparedStatement select = c.prepareStatement("SELECT item FROM orders WHERE id = ?")) {
        select.setInt(1, Integer.parseInt(id));
        try (ResultSet row = select.executeQuery()) {
          return row.next() ? row.getString(1) : "none";
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }

    int expireOld() {
      try (Connection c = db.getConnection(); Statement delete = c.createStatement()) {
        int expired = delete.executeUpdate("DELETE FROM orders WHERE id > 1000");
        log.info("expired {} orders", expired);
        return expired;
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static JdbcConnectionPool database(String name) throws SQLException {
    JdbcConnectionPool h2 = JdbcConnectionPool.create("jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
    try (Connection c = h2.getConnection(); Statement ddl = c.createStatement()) {
      ddl.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(64))");
      ddl.execute("INSERT INTO orders VALUES (17, 'book'), (1001, 'stale')");
    }
    return h2;
  }

  @Test
  void javalinFuture_queryOnTheAppsPool_isUnderTheServerSpan_andItsLogLinesCarryTheTrace() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    JdbcConnectionPool h2 = database("threadsdoc");
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try (Obs obs = Docs.builder("orders", spans).build();
        LogCapture lines = LogCapture.of("dev.obs4j.docs.threads", Level.INFO)) {
      Orders repository = new Orders(ObsJdbc.create(obs).wrap(h2));
      // tag::javalin-future[]
      Executor pool = ObsContext.wrap(threads);   // once, at start-up: tasks keep their caller's context

      Javalin app = Javalin.create(cfg -> {
        cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
        cfg.routes.get("/orders/{id}", ctx -> {
          ObsContext.setUserId(ctx.header("X-User"));
          ctx.future(() -> CompletableFuture
              .supplyAsync(() -> repository.load(ctx.pathParam("id")), pool)   // JDBC on the pool
              .thenAccept(ctx::result));
        });
        // end::javalin-future[]
        cfg.startup.showJavalinBanner = false;
        // tag::javalin-future[]
      });
      // end::javalin-future[]
      app.start("127.0.0.1", 0);
      try {
        HttpResponse<String> response =
            Docs.get("http://127.0.0.1:" + app.port() + "/orders/17", java.util.Map.of("X-User", "ada"));
        assertThat(response.body()).isEqualTo("book");

        SpanData server = Docs.await(spans, "GET /orders/{id}");
        SpanData query = Docs.span(spans, "SELECT orders");
        assertThat(query.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(query.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(query.getParentSpanId()).as("the query is the request's child").isEqualTo(server.getSpanId());
        assertThat(server.getEndEpochNanos()).isGreaterThanOrEqualTo(query.getEndEpochNanos());
        LogCapture.Line loading = lines.lines().stream()
            .filter(l -> l.message().equals("loading order 17")).findFirst().orElseThrow();
        assertThat(loading.context()).containsEntry("trace_id", server.getTraceId()).containsEntry("user.id", "ada");
      } finally {
        app.stop();
      }
    } finally {
      threads.shutdownNow();
      h2.dispose();
    }
  }

  @Test
  void completableFutureChain_threeStages_inOneTrace() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try (Obs obs = Docs.builder("orders", spans).build();
        LogCapture lines = LogCapture.of("dev.obs4j.docs.threads", Level.INFO)) {
      Executor pool = ObsContext.wrap(threads);
      obs.runInSpan("POST /quotes", () -> {
        // tag::chain[]
        CompletableFuture<Void> quote = CompletableFuture
            .supplyAsync(() -> obs.inSpan("load", () -> 17), pool)              // each stage on the pool,
            .thenApplyAsync(id -> obs.inSpan("price", () -> id * 2), pool)      // in the request's trace
            .thenAcceptAsync(price -> log.info("quoted {}", price), pool);      // the line carries its id
        // end::chain[]
        quote.get(10, TimeUnit.SECONDS);
      });
      SpanData request = Docs.span(spans, "POST /quotes");
      assertThat(Docs.span(spans, "load").getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(Docs.span(spans, "price").getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(lines.lines()).anySatisfy(l -> {
        assertThat(l.message()).isEqualTo("quoted 34");
        assertThat(l.context()).containsEntry("trace_id", request.getTraceId());
      });
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void scheduledJob_aRootSpanPerRun_withItsStatementsAndLogLines() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    JdbcConnectionPool h2 = database("jobsdoc");
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (Obs obs = Docs.builder("orders", spans).build();
        LogCapture lines = LogCapture.of("dev.obs4j.docs.threads", Level.INFO)) {
      Orders orders = new Orders(ObsJdbc.create(obs).wrap(h2));
      CountDownLatch ran = new CountDownLatch(2);
      // tag::job[]
      scheduler.scheduleWithFixedDelay(() -> {
        try {
          obs.runInSpan("expire-orders", () -> orders.expireOld());   // a new trace each run
        } catch (RuntimeException e) {
          log.warn("expiring orders failed; trying again next time", e);   // a throw would end the schedule
        }
        // end::job[]
        ran.countDown();
        // tag::job[]
      }, 0, 20, TimeUnit.MILLISECONDS);
      // end::job[]
      assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
      scheduler.shutdown();
      assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

      List<SpanData> jobs = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("expire-orders")).toList();
      assertThat(jobs).hasSizeGreaterThanOrEqualTo(2);
      assertThat(jobs).allSatisfy(job -> assertThat(job.getParentSpanContext().isValid()).as("a root span").isFalse());
      assertThat(jobs.get(0).getTraceId()).isNotEqualTo(jobs.get(1).getTraceId());
      SpanData delete = spans.getFinishedSpanItems().stream()
          .filter(s -> s.getName().equals("DELETE orders") && s.getTraceId().equals(jobs.get(0).getTraceId()))
          .findFirst().orElseThrow();
      assertThat(delete.getParentSpanId()).isEqualTo(jobs.get(0).getSpanId());
      assertThat(lines.lines()).anySatisfy(l -> {
        assertThat(l.message()).isEqualTo("expired 1 orders");
        assertThat(l.context()).containsEntry("trace_id", jobs.get(0).getTraceId());
      });
    } finally {
      scheduler.shutdownNow();
      h2.dispose();
    }
  }
}
