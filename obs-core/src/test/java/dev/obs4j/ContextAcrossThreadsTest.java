/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.instrument.Operation;
import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import dev.obs4j.trace.HeaderGetter;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.logging.log4j.layout.template.json.util.JsonReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Work handed to other threads through {@code ObsContext.wrap}: it runs in the request's trace, with the
 * request's business fields and log context, and leaves the pool's threads as it found them. Every log line
 * asserted on is read back from the JSON file the tests log to.
 */
class ContextAcrossThreadsTest {
  private static final Logger log = LoggerFactory.getLogger(ContextAcrossThreadsTest.class);
  private static final HeaderGetter<Map<String, String>> GETTER = HeaderGetter.of(Map::get, Map::keySet);

  private final List<ExecutorService> pools = new ArrayList<>();

  @AfterEach
  void stopPools() {
    pools.forEach(ExecutorService::shutdownNow);
  }

  private <T extends ExecutorService> T pool(T pool) {
    pools.add(pool);
    return pool;
  }

  private static Operation serve(Obs obs, String name) {
    return obs.operations().startEntry(Map.of(), GETTER, name, SpanKind.SERVER, Attributes.empty());
  }

  private static void end(Obs obs, Operation op) {
    obs.operations().end(op, null, false, null, null, null);
  }

  @Test
  void poolHop_runsInTheRequestsTrace_withItsFieldsAndTheCallersMdc() throws Exception {
    ExecutorService pool = ObsContext.wrap(pool(Executors.newFixedThreadPool(2)));
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "GET /orders/{id}");
      Map<String, String> seen = new HashMap<>();
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("alice");
        MDC.put("request.origin", "mobile"); // the application's own MDC entry
        try {
          pool.submit(() -> recorder.obs.runInSpan("load order", () -> {
            log.info("hop: loading in the pool");
            seen.put("user", ObsContext.userId());
            seen.put("mdc.user", MDC.get("user.id"));
            seen.put("mdc.origin", MDC.get("request.origin"));
            seen.put("thread", Thread.currentThread().getName());
          })).get(5, TimeUnit.SECONDS);
        } finally {
          MDC.remove("request.origin");
        }
      }
      end(recorder.obs, op);

      Map<String, SpanData> spans = recorder.byName();
      SpanData server = spans.get("GET /orders/{id}");
      SpanData load = spans.get("load order");
      assertThat(load.getTraceId()).isEqualTo(server.getTraceId());
      assertThat(load.getParentSpanId()).isEqualTo(server.getSpanId());
      assertThat(seen).containsEntry("user", "alice").containsEntry("mdc.user", "alice")
          .containsEntry("mdc.origin", "mobile");
      assertThat(seen.get("thread")).isNotEqualTo(Thread.currentThread().getName());
      Map<String, Object> line = line("hop: loading in the pool");
      assertThat(line.get("trace.id")).isEqualTo(server.getTraceId());
      assertThat(line.get("span.id")).isEqualTo(load.getSpanId());
      assertThat(line.get("user.id")).isEqualTo("alice");
      assertThat(line.get("labels.request.origin")).isEqualTo("mobile");
      assertThat(line.get("service.name")).isEqualTo("orders");
    }
  }

  @Test
  void fieldSetInATask_belongsToTheRequest_andIsInTheTasksLogLines() throws Exception {
    ExecutorService raw = pool(Executors.newSingleThreadExecutor());
    ExecutorService pool = ObsContext.wrap(raw);
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "POST /orders");
      try (Scope ignored = op.makeCurrent()) {
        pool.submit(() -> {
          ObsContext.set("tenant.id", "acme");
          log.info("field: set in the pool");
        }).get(5, TimeUnit.SECONDS);
        assertThat(ObsContext.get("tenant.id")).as("back on the request thread").isEqualTo("acme");
      }
      end(recorder.obs, op);
      String[] after = new String[1];
      raw.submit(() -> after[0] = MDC.get("tenant.id")).get(5, TimeUnit.SECONDS); // not wrapped: sees the thread

      assertThat(recorder.only().getAttributes().get(AttributeKey.stringKey("tenant.id"))).isEqualTo("acme");
      assertThat(line("field: set in the pool").get("labels.tenant.id")).isEqualTo("acme");
      assertThat(after[0]).as("gone from the pool thread with the task").isNull();
    }
  }

  @Test
  void completableFutureChain_threeStagesOnTwoPools_allInTheRequestsTrace() throws Exception {
    Executor io = ObsContext.wrap(pool(Executors.newFixedThreadPool(2, named("io"))));
    Executor cpu = ObsContext.wrap(pool(Executors.newFixedThreadPool(2, named("cpu"))));
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "GET /quote/{id}");
      CountDownLatch handlerReturned = new CountDownLatch(1);
      List<String> threads = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> chain;
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("bob");
        chain = CompletableFuture
            .supplyAsync(() -> {
              await(handlerReturned); // the handler's scope is closed before any stage runs
              threads.add(Thread.currentThread().getName());
              return recorder.obs.inSpan("stage 1 load", () -> {
                log.info("chain: stage 1");
                return 17;
              });
            }, io)
            .thenApplyAsync(id -> {
              threads.add(Thread.currentThread().getName());
              return recorder.obs.inSpan("stage 2 price", () -> {
                log.info("chain: stage 2");
                return id * 2;
              });
            }, cpu)
            .thenAcceptAsync(price -> {
              threads.add(Thread.currentThread().getName());
              recorder.obs.runInSpan("stage 3 answer", () -> log.info("chain: stage 3 price {}", price));
            }, io);
      }
      handlerReturned.countDown();
      chain.get(5, TimeUnit.SECONDS);
      end(recorder.obs, op);

      Map<String, SpanData> spans = recorder.byName();
      SpanData server = spans.get("GET /quote/{id}");
      for (String stage : List.of("stage 1 load", "stage 2 price", "stage 3 answer")) {
        assertThat(spans.get(stage).getParentSpanId()).as(stage).isEqualTo(server.getSpanId());
        assertThat(spans.get(stage).getTraceId()).as(stage).isEqualTo(server.getTraceId());
      }
      assertThat(threads).hasSize(3);
      assertThat(threads.get(0)).startsWith("io");
      assertThat(threads.get(1)).startsWith("cpu");
      assertThat(threads.get(2)).startsWith("io");
      for (String message : List.of("chain: stage 1", "chain: stage 2", "chain: stage 3 price 34")) {
        Map<String, Object> line = line(message);
        assertThat(line.get("trace.id")).as(message).isEqualTo(server.getTraceId());
        assertThat(line.get("user.id")).as(message).isEqualTo("bob");
      }
    }
  }

  @Test
  void reusedSingleThreadPool_nothingOfOneTaskReachesTheNext() throws Exception {
    ExecutorService raw = pool(Executors.newSingleThreadExecutor());
    raw.submit(() -> MDC.put("worker", "w1")).get(5, TimeUnit.SECONDS); // the thread's own log context
    ExecutorService pool = ObsContext.wrap(raw);
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      List<String> traces = new ArrayList<>();
      for (String user : List.of("u-first", "u-second")) {
        Operation op = serve(recorder.obs, "GET /" + user);
        try (Scope ignored = op.makeCurrent()) {
          ObsContext.setUserId(user);
          MDC.put("request.user", user);
          try {
            pool.submit(() -> {
              ObsContext.set("cart.id", "cart-of-" + user);
              log.info("leak: task of {}", user);
            }).get(5, TimeUnit.SECONDS);
          } finally {
            MDC.remove("request.user");
          }
        }
        end(recorder.obs, op);
        traces.add(op.traceId());
      }
      // the next task on that thread, submitted from a thread that is in no request
      Map<String, Object> seen = new HashMap<>();
      Callable<Void> probe = () -> {
        seen.put("span valid", Span.current().getSpanContext().isValid());
        seen.put("user", String.valueOf(ObsContext.userId()));
        seen.put("mdc", String.valueOf(mdc()));
        log.info("leak: the next, unrelated task");
        return null;
      };
      pool.submit(probe).get(5, TimeUnit.SECONDS);
      Map<String, Object> unwrapped = new HashMap<>();
      raw.submit(() -> {
        unwrapped.put("mdc", String.valueOf(mdc()));
        unwrapped.put("context", Context.current() == Context.root());
      }).get(5, TimeUnit.SECONDS);

      assertThat(seen).containsEntry("span valid", false).containsEntry("user", "null").containsEntry("mdc", "{}");
      assertThat(unwrapped).as("the thread got its own MDC back, and no context")
          .containsEntry("mdc", "{worker=w1}").containsEntry("context", true);
      assertThat(line("leak: task of u-second").get("user.id")).isEqualTo("u-second");
      assertThat(line("leak: task of u-second").get("labels.cart.id")).isEqualTo("cart-of-u-second");
      assertThat(line("leak: task of u-second").get("labels.request.user")).isEqualTo("u-second");
      assertThat(line("leak: task of u-second").get("trace.id")).isEqualTo(traces.get(1));
      assertThat(line("leak: task of u-first").get("trace.id")).isEqualTo(traces.get(0));
      Map<String, Object> next = line("leak: the next, unrelated task");
      assertThat(next).doesNotContainKeys("trace.id", "span.id", "user.id", "labels.cart.id", "labels.request.user", "labels.worker");
    }
  }

  @Test
  void taskThatThrows_leavesThePoolThreadClean_andTheRequestNotOwningItsMdc() throws Exception {
    ExecutorService raw = pool(Executors.newSingleThreadExecutor());
    ExecutorService pool = ObsContext.wrap(raw);
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "GET /throws");
      Future<?> failed;
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("eve");
        MDC.put("request.origin", "api");
        failed = pool.submit(() -> {
          ObsContext.set("tenant.id", "t9");
          Context.current().with(Span.wrap(Span.current().getSpanContext())).makeCurrent(); // left open
          throw new IllegalStateException("task failed");
        });
        MDC.remove("request.origin");
      }
      assertThat(failed).failsWithin(5, TimeUnit.SECONDS);
      Map<String, Object> seen = new HashMap<>();
      raw.submit(() -> {
        seen.put("mdc", String.valueOf(mdc()));
        seen.put("context", Context.current() == Context.root());
        // the request's context made current here by hand, as unwrapped code might: the thread must not
        // still count as the request's MDC owner, or the field below would stay in its MDC
        try (Scope ignored = op.context().makeCurrent()) {
          ObsContext.set("cart.id", "c1");
        }
        seen.put("mdc after set", String.valueOf(mdc()));
      }).get(5, TimeUnit.SECONDS);
      end(recorder.obs, op);

      assertThat(seen).containsEntry("mdc", "{}").containsEntry("context", true).containsEntry("mdc after set", "{}");
    }
  }

  @Test
  void taskRunInline_onTheCallersOwnThread_isTheRequestsOwnCode() throws Exception {
    Executor inline = ObsContext.wrap((Executor) Runnable::run);
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "GET /inline");
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("carol");
        MDC.put("request.origin", "web");
        Map<String, String> before = MDC.getCopyOfContextMap();
        Span current = Span.current();
        inline.execute(() -> {
          ObsContext.set("tenant.id", "t1");
          recorder.obs.runInSpan("inline work", () -> log.info("inline: work"));
        });
        MDC.remove("request.origin");
        assertThat(Span.current()).isSameAs(current);
        before.put("tenant.id", "t1"); // a field the task set belongs to the request, on this thread too
        before.remove("request.origin");
        assertThat(MDC.getCopyOfContextMap()).isEqualTo(before);
      }
      end(recorder.obs, op);
      assertThat(mdc()).as("gone with the request's scope").isEmpty();
      assertThat(line("inline: work").get("labels.tenant.id")).isEqualTo("t1");
    }
  }

  @Test
  void invokeAll_andCallableAndSupplierWrappers_carryTheContext() throws Exception {
    ExecutorService pool = ObsContext.wrap(pool(Executors.newFixedThreadPool(3)));
    ExecutorService plain = pool(Executors.newSingleThreadExecutor());
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "GET /all");
      List<String> traceIds;
      String fromCallable;
      String fromSupplier;
      try (Scope ignored = op.makeCurrent()) {
        List<Callable<String>> tasks = List.of(ObsContext::traceId, ObsContext::traceId, ObsContext::traceId);
        traceIds = new ArrayList<>();
        for (Future<String> f : pool.invokeAll(tasks, 5, TimeUnit.SECONDS)) {
          traceIds.add(f.get());
        }
        fromCallable = plain.submit(ObsContext.wrap((Callable<String>) ObsContext::traceId)).get(5, TimeUnit.SECONDS);
        Supplier<String> supplier = ObsContext.wrapSupplier(ObsContext::traceId);
        fromSupplier = CompletableFuture.supplyAsync(supplier, plain).get(5, TimeUnit.SECONDS);
      }
      end(recorder.obs, op);
      String unwrapped = plain.submit(ObsContext::traceId).get(5, TimeUnit.SECONDS);

      assertThat(traceIds).containsOnly(op.traceId()).hasSize(3);
      assertThat(fromCallable).isEqualTo(op.traceId());
      assertThat(fromSupplier).isEqualTo(op.traceId());
      assertThat(unwrapped).isNull();
      assertThat(ObsContext.wrap(pool)).isSameAs(pool);
    }
  }

  @Test
  void delayedExecutor_wrappedOutside_carriesTheContext_wrappedInside_cannot() throws Exception {
    ExecutorService raw = pool(Executors.newSingleThreadExecutor());
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "GET /later");
      CompletableFuture<String> outside;
      CompletableFuture<String> inside;
      try (Scope ignored = op.makeCurrent()) {
        Executor right = ObsContext.wrap(CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS, raw));
        Executor wrong = CompletableFuture.delayedExecutor(10, TimeUnit.MILLISECONDS, ObsContext.wrap(raw));
        outside = CompletableFuture.supplyAsync(ObsContext::traceId, right);
        inside = CompletableFuture.supplyAsync(ObsContext::traceId, wrong);
      }
      assertThat(outside.get(5, TimeUnit.SECONDS)).isEqualTo(op.traceId());
      assertThat(inside.get(5, TimeUnit.SECONDS)).as("handed over by the JDK's delayer thread").isNull();
      end(recorder.obs, op);
    }
  }

  @Test
  void scheduler_oneOffTaskJoinsTheRequest_periodicJobStartsATraceEachRun() throws Exception {
    ScheduledExecutorService scheduler = ObsContext.wrap(pool(Executors.newSingleThreadScheduledExecutor()));
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "POST /jobs");
      CountDownLatch runs = new CountDownLatch(3);
      ScheduledFuture<?> job;
      String retryTrace;
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("admin");
        retryTrace = scheduler.schedule(ObsContext::traceId, 1, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
        // started by a request, but no part of it
        job = scheduler.scheduleAtFixedRate(() -> {
          recorder.obs.runInSpan("expire-orders", () -> log.info("job: expiring, user {}", ObsContext.userId()));
          runs.countDown();
        }, 0, 10, TimeUnit.MILLISECONDS);
      }
      assertThat(runs.await(5, TimeUnit.SECONDS)).isTrue();
      job.cancel(false);
      end(recorder.obs, op);

      assertThat(retryTrace).isEqualTo(op.traceId());
      List<SpanData> jobSpans = recorder.spans().stream().filter(s -> s.getName().equals("expire-orders")).toList();
      assertThat(jobSpans).hasSizeGreaterThanOrEqualTo(3);
      assertThat(jobSpans).allSatisfy(s -> {
        assertThat(s.getParentSpanContext().isValid()).as("a root span").isFalse();
        assertThat(s.getTraceId()).isNotEqualTo(op.traceId());
      });
      assertThat(jobSpans.stream().map(SpanData::getTraceId).distinct().count()).as("a trace per run")
          .isEqualTo(jobSpans.size());
      Map<String, Object> line = line("job: expiring, user null");
      assertThat(line.get("trace.id")).isEqualTo(jobSpans.get(0).getTraceId());
      assertThat(line).doesNotContainKey("user.id");
      assertThat(line.get("service.name")).isEqualTo("orders");
    }
  }

  @Test
  void scheduler_periodicJobTheCallerWrappedItself_stillStartsClean_eachRun() throws Exception {
    ScheduledExecutorService scheduler = ObsContext.wrap(pool(Executors.newScheduledThreadPool(2)));
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("orders"))) {
      Operation op = serve(recorder.obs, "POST /reports");
      Map<String, CountDownLatch> runs = Map.of("fixed-rate", new CountDownLatch(3), "fixed-delay", new CountDownLatch(3));
      List<String> seen = new CopyOnWriteArrayList<>();
      List<ScheduledFuture<?>> jobs = new ArrayList<>();
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("admin");
        for (String name : List.of("fixed-rate", "fixed-delay")) {
          Runnable job = () -> {
            seen.add(name + " trace=" + ObsContext.traceId() + " user=" + ObsContext.userId() + " mdc=" + mdc());
            recorder.obs.runInSpan("report " + name, () -> log.info("wrapped job: {} for user {}", name, ObsContext.userId()));
            runs.get(name).countDown();
          };
          // wrapped by the caller too (the fixed-delay one twice), as code written for a plain scheduler may be
          jobs.add(name.equals("fixed-rate")
              ? scheduler.scheduleAtFixedRate(ObsContext.wrap(job), 0, 10, TimeUnit.MILLISECONDS)
              : scheduler.scheduleWithFixedDelay(ObsContext.wrap(ObsContext.wrap(job)), 0, 10, TimeUnit.MILLISECONDS));
        }
      }
      runs.values().forEach(ContextAcrossThreadsTest::await);
      jobs.forEach(job -> job.cancel(false));
      end(recorder.obs, op);

      for (String name : List.of("fixed-rate", "fixed-delay")) {
        assertThat(seen).as(name).contains(name + " trace=null user=null mdc={}")
            .filteredOn(s -> s.startsWith(name + " ")).containsOnly(name + " trace=null user=null mdc={}");
        List<SpanData> jobSpans = recorder.spans().stream().filter(s -> s.getName().equals("report " + name)).toList();
        assertThat(jobSpans).as(name).isNotEmpty().allSatisfy(s -> {
          assertThat(s.getParentSpanContext().isValid()).as("a root span").isFalse();
          assertThat(s.getTraceId()).isNotEqualTo(op.traceId());
        });
        Map<String, Object> line = line("wrapped job: " + name + " for user null");
        assertThat(line.get("trace.id")).isEqualTo(jobSpans.get(0).getTraceId());
        assertThat(line).doesNotContainKey("user.id");
        assertThat(line.get("service.name")).isEqualTo("orders");
      }
    }
  }

  /** This thread's MDC; empty rather than null (SLF4J backends differ there). */
  private static Map<String, String> mdc() {
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    return mdc == null ? Map.of() : mdc;
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> new Thread(r, prefix + "-" + n.incrementAndGet());
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The first line logged with {@code message}. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> line(String message) throws Exception {
    Path file = Path.of(System.getProperty("obs4j.test.log", "target/obs4j-test.log"));
    for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      Map<String, Object> parsed = (Map<String, Object>) JsonReader.read(text);
      if (message.equals(parsed.get("message"))) {
        return parsed;
      }
    }
    throw new AssertionError("no log line " + message);
  }

  @Test
  void periodicNullTasks_areRefusedAtSubmission_notOnTheirFirstRun() {
    java.util.concurrent.ScheduledExecutorService scheduler =
        ObsContext.wrap(java.util.concurrent.Executors.newSingleThreadScheduledExecutor());
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> scheduler.scheduleAtFixedRate(null, 1, 1, java.util.concurrent.TimeUnit.SECONDS))
          .isInstanceOf(NullPointerException.class);
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> scheduler.scheduleWithFixedDelay(null, 1, 1, java.util.concurrent.TimeUnit.SECONDS))
          .isInstanceOf(NullPointerException.class);
    } finally {
      scheduler.shutdownNow();
    }
  }
}
