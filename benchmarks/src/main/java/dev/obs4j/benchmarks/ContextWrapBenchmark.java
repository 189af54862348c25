/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.instrument.Operation;
import dev.obs4j.trace.HeaderGetter;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * What {@code ObsContext.wrap} costs a task handed over inside a request (a sampled server operation with a
 * user id and one MDC entry of the application's), in its two parts: capturing on the request thread, and
 * running on a clean pool thread (swap in, run, swap out). Beside them: an executor that runs the task on
 * the calling thread (wrapper against the bare executor and OpenTelemetry's {@code Context.taskWrapping},
 * which has nothing to do there as the context is already current), and a real single-thread pool, where
 * the hop between threads is most of the cost. The MDC is log4j2's ({@code -Dslf4j.provider}, set below); run with
 * {@code -jvmArgsAppend -Dslf4j.provider=ch.qos.logback.classic.spi.LogbackServiceProvider} for Logback's.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "-Dslf4j.provider=org.apache.logging.slf4j.SLF4JServiceProvider", "-Dlog4j2.level=ERROR"})
public class ContextWrapBenchmark {
  private static final Executor DIRECT = Runnable::run;

  /** The service, its pools, and one request in flight (current on no thread yet). */
  @State(Scope.Benchmark)
  public static class Service {
    Obs obs;
    Operation request;
    ExecutorService pool;
    ExecutorService wrappedPool;
    final Executor wrappedDirect = ObsContext.wrap(DIRECT);
    final Executor otelDirect = Context.taskWrapping(DIRECT);
    final AtomicLong count = new AtomicLong();
    final Runnable task = count::incrementAndGet;

    @Setup(Level.Trial)
    public void setUp() {
      System.out.println("SLF4J backend: " + LoggerFactory.getILoggerFactory().getClass().getName());
      obs = Discard.obs().set("OBS4J_REGISTER_GLOBAL", "false").build();
      request = obs.operations().startEntry(
          Map.<String, String>of(), HeaderGetter.of(Map::get, Map::keySet), "GET /orders/{id}", SpanKind.SERVER,
          Attributes.empty());
      try (io.opentelemetry.context.Scope ignored = request.makeCurrent()) {
        ObsContext.setUserId("alice");
      }
      pool = Executors.newSingleThreadExecutor();
      wrappedPool = ObsContext.wrap(pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      obs.operations().end(request, null, false, null, null, null);
      pool.shutdownNow();
      obs.close();
    }
  }

  /** A benchmark thread handling the request: its context current, the application's MDC entry set. */
  @State(Scope.Thread)
  public static class RequestThread {
    private io.opentelemetry.context.Scope scope;

    @Setup(Level.Trial)
    public void setUp(Service service) {
      scope = service.request.makeCurrent();
      MDC.put("request.origin", "mobile");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      MDC.remove("request.origin");
      scope.close();
    }
  }

  /** A benchmark thread in no request, as a pool's is, holding a task captured inside the request. */
  @State(Scope.Thread)
  public static class PoolThread {
    Runnable captured;

    @Setup(Level.Trial)
    public void setUp(Service service) throws InterruptedException {
      Thread handler = new Thread(() -> {
        try (io.opentelemetry.context.Scope ignored = service.request.makeCurrent()) {
          MDC.put("request.origin", "mobile");
          captured = ObsContext.wrap(service.task);
          MDC.remove("request.origin");
        }
      });
      handler.start();
      handler.join();
    }
  }

  /** On the request thread: capturing its context and MDC into a task. */
  @Benchmark
  public Runnable handOver_capture(Service service, RequestThread request) {
    return ObsContext.wrap(service.task);
  }

  /** On a pool thread: a captured task run on a thread with no context and an empty MDC. */
  @Benchmark
  public long handOver_runOnAPoolThread(Service service, PoolThread pool) {
    pool.captured.run();
    return service.count.get();
  }

  @Benchmark
  public long sameThread_bare(Service service, RequestThread request) {
    DIRECT.execute(service.task);
    return service.count.get();
  }

  @Benchmark
  public long sameThread_otelTaskWrapping(Service service, RequestThread request) {
    service.otelDirect.execute(service.task);
    return service.count.get();
  }

  @Benchmark
  public long sameThread_obsContextWrap(Service service, RequestThread request) {
    service.wrappedDirect.execute(service.task);
    return service.count.get();
  }

  @Benchmark
  public Object poolHop_bare(Service service, RequestThread request) throws ExecutionException, InterruptedException {
    return service.pool.submit(service.task).get();
  }

  @Benchmark
  public Object poolHop_obsContextWrap(Service service, RequestThread request)
      throws ExecutionException, InterruptedException {
    return service.wrappedPool.submit(service.task).get();
  }
}
