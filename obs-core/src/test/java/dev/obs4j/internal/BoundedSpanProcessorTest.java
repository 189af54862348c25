/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The export processor on its own, over exporters that misbehave on purpose. After every fault the counts
 * add up: {@code ended = exported + dropped (all reasons) + queued}.
 */
class BoundedSpanProcessorTest {
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final SelfMetrics metrics = new SelfMetrics(registry);
  private final List<SdkTracerProvider> providers = new ArrayList<>();

  @AfterEach
  void closeProviders() {
    for (SdkTracerProvider provider : providers) {
      provider.shutdown().join(5, TimeUnit.SECONDS);
    }
  }

  /** Records every span it is given; fails or throws as told, once per instruction. */
  private static final class TestExporter implements SpanExporter {
    final List<SpanData> spans = new CopyOnWriteArrayList<>();
    volatile boolean fail;
    volatile int throwErrors;
    volatile CountDownLatch blockUntil = new CountDownLatch(0);
    volatile boolean shutdown;
    volatile boolean failFlush;
    volatile boolean failShutdown;
    /** Counted down when a flush begins. */
    final CountDownLatch flushing = new CountDownLatch(1);
    volatile CountDownLatch flushUntil = new CountDownLatch(0);

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      try {
        blockUntil.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (throwErrors > 0) {
        throwErrors--;
        throw new LinkageError("exporter broke");
      }
      if (fail) {
        return CompletableResultCode.ofFailure();
      }
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      flushing.countDown();
      try {
        flushUntil.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return failFlush ? CompletableResultCode.ofFailure() : CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      shutdown = true;
      return failShutdown ? CompletableResultCode.ofFailure() : CompletableResultCode.ofSuccess();
    }
  }

  /**
   * Answers no export while {@code hang} is set: each such export's result stays open until the test
   * completes it. Records the span names of every export call.
   */
  private static final class HangingExporter implements SpanExporter {
    final List<List<String>> calls = new CopyOnWriteArrayList<>();
    final List<CompletableResultCode> unanswered = new CopyOnWriteArrayList<>();
    volatile boolean hang = true;
    volatile boolean shutdown;

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      calls.add(batch.stream().map(SpanData::getName).toList());
      if (!hang) {
        return CompletableResultCode.ofSuccess();
      }
      CompletableResultCode result = new CompletableResultCode();
      unanswered.add(result);
      return result;
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      shutdown = true;
      return CompletableResultCode.ofSuccess();
    }
  }

  private BoundedSpanProcessor processor(
      String name, SpanExporter exporter, int maxQueue, int maxBatch, long delayMillis) {
    return new BoundedSpanProcessor(
        name, exporter, metrics, maxQueue, maxBatch, Duration.ofMillis(delayMillis), Duration.ofSeconds(2));
  }

  private Tracer tracer(BoundedSpanProcessor... processors) {
    var builder = SdkTracerProvider.builder();
    for (BoundedSpanProcessor processor : processors) {
      builder.addSpanProcessor(processor);
    }
    SdkTracerProvider provider = builder.build();
    providers.add(provider);
    return provider.get("test");
  }

  private static void spans(Tracer tracer, int count) {
    spans(tracer, "span-", count);
  }

  private static void spans(Tracer tracer, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      tracer.spanBuilder(prefix + i).startSpan().end();
    }
  }

  private double count(String name, String... tags) {
    Counter counter = registry.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  private double dropped(String exporter, String reason) {
    return count("obs4j.spans.dropped", "exporter", exporter, "reason", reason);
  }

  private double queued(String exporter) {
    return registry.get("obs4j.export.queue.size").tag("exporter", exporter).gauge().value();
  }

  /** ended = exported + every dropped reason + queued, for one exporter. */
  private void assertCountsAddUp(String exporter) {
    double ended = count("obs4j.spans.ended", "exporter", exporter);
    double exported = count("obs4j.spans.exported", "exporter", exporter);
    double dropped =
        registry.find("obs4j.spans.dropped").tag("exporter", exporter).counters().stream()
            .mapToDouble(Counter::count)
            .sum();
    assertThat(exported + dropped + queued(exporter))
        .as("exported %s + dropped %s + queued %s", exported, dropped, queued(exporter))
        .isEqualTo(ended);
  }

  private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).as("condition met within 5 s").isTrue();
  }

  private static Thread worker(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("obs4j-export-" + name))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void onEnd_twoExporters_eachCountsItsOwnEndedSpans() throws Exception {
    TestExporter a = new TestExporter();
    TestExporter b = new TestExporter();
    BoundedSpanProcessor first = processor("a", a, 100, 10, 20);
    BoundedSpanProcessor second = processor("b", b, 100, 10, 20);
    spans(tracer(first, second), 5);
    assertThat(first.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(second.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(count("obs4j.spans.ended", "exporter", "a")).isEqualTo(5);
    assertThat(count("obs4j.spans.ended", "exporter", "b")).isEqualTo(5);
    assertThat(count("obs4j.spans.exported", "exporter", "a")).isEqualTo(5);
    assertCountsAddUp("a");
    assertCountsAddUp("b");
  }

  @Test
  void scheduleDelayZero_exportsAsSoonAsQueued_andWaitsWithoutSpinning() throws Exception {
    TestExporter exporter = new TestExporter();
    BoundedSpanProcessor processor = processor("nodelay", exporter, 100, 50, 0);
    Tracer tracer = tracer(processor);

    spans(tracer, 1);
    await(() -> exporter.spans.size() == 1); // far below a batch: no delay means no waiting for one
    Thread worker = worker("nodelay");
    for (int sample = 0; sample < 20; sample++) {
      Thread.sleep(10);
      assertThat(worker.getState()).as("idle worker parked, not spinning").isEqualTo(Thread.State.WAITING);
    }
    spans(tracer, 3);
    await(() -> exporter.spans.size() == 4);
    assertCountsAddUp("nodelay");
  }

  @Test
  void deferredExporter_builtOnFirstExport_aFailedBuildCountsTheBatch_andTheNextExportBuildsAgain()
      throws Exception {
    TestExporter exporter = new TestExporter();
    java.util.concurrent.atomic.AtomicInteger builds = new java.util.concurrent.atomic.AtomicInteger();
    DeferredSpanExporter deferred =
        new DeferredSpanExporter(
            "test exporter",
            () -> {
              if (builds.incrementAndGet() == 1) {
                throw new IllegalStateException("cannot build yet");
              }
              return exporter;
            });
    BoundedSpanProcessor processor = processor("deferred", deferred, 100, 10, 60_000);
    Tracer tracer = tracer(processor);
    assertThat(builds.get()).as("nothing built while the service starts").isZero();
    assertThat(deferred.toString()).isEqualTo("test exporter (built on its first export)");

    spans(tracer, 3);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isFalse();
    assertThat(dropped("deferred", SelfMetrics.DROP_EXPORTER_ERROR)).isEqualTo(3);
    spans(tracer, 2);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(builds.get()).isEqualTo(2);
    assertThat(deferred.isBuilt()).isTrue();
    assertThat(exporter.spans).extracting(SpanData::getName).containsExactly("span-0", "span-1");
    assertCountsAddUp("deferred");
    processor.shutdown().join(5, TimeUnit.SECONDS);
    assertThat(exporter.shutdown).as("the built exporter is shut down with the processor").isTrue();
  }

  @Test
  void deferredExporter_shutDownBeforeAnyExport_neverBuilds() {
    java.util.concurrent.atomic.AtomicInteger builds = new java.util.concurrent.atomic.AtomicInteger();
    DeferredSpanExporter deferred =
        new DeferredSpanExporter("never used", () -> {
          builds.incrementAndGet();
          return new TestExporter();
        });
    assertThat(deferred.flush().isSuccess()).isTrue();
    assertThat(deferred.shutdown().isSuccess()).isTrue();
    assertThat(deferred.export(List.of()).isSuccess()).as("export after shutdown fails").isFalse();
    assertThat(builds.get()).isZero();
  }

  @Test
  void exporterThrowsError_workerSurvives_batchCountedAsExporterError() throws Exception {
    TestExporter exporter = new TestExporter();
    exporter.throwErrors = 1;
    BoundedSpanProcessor processor = processor("throws", exporter, 100, 10, 60_000);
    Tracer tracer = tracer(processor);

    spans(tracer, 3);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isFalse();
    assertThat(dropped("throws", SelfMetrics.DROP_EXPORTER_ERROR)).isEqualTo(3);
    spans(tracer, 2);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(exporter.spans).hasSize(2);
    assertThat(count("obs4j.spans.exported", "exporter", "throws")).isEqualTo(2);
    assertThat(dropped("throws", SelfMetrics.DROP_QUEUE_FULL)).isZero();
    assertThat(count("obs4j.export.failures", "exporter", "throws")).isEqualTo(1);
    assertCountsAddUp("throws");
  }

  @Test
  void toSpanDataThrowsError_thatSpanCountedAsExporterError_othersExported() throws Exception {
    TestExporter exporter = new TestExporter();
    BoundedSpanProcessor processor = processor("broken-span", exporter, 100, 10, 60_000);
    Tracer tracer = tracer(processor);

    processor.onEnd(brokenSpan());
    spans(tracer, 2);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isFalse();
    spans(tracer, 1);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(exporter.spans).hasSize(3);
    assertThat(dropped("broken-span", SelfMetrics.DROP_EXPORTER_ERROR)).isEqualTo(1);
    assertCountsAddUp("broken-span");
  }

  /** A sampled span whose data cannot be read: toSpanData() throws an Error. */
  private static ReadableSpan brokenSpan() {
    SpanContext context =
        SpanContext.create(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.getDefault());
    return (ReadableSpan)
        Proxy.newProxyInstance(
            ReadableSpan.class.getClassLoader(),
            new Class<?>[] {ReadableSpan.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "getSpanContext":
                  return context;
                case "toSpanData":
                  throw new NoClassDefFoundError("a class the span data needs");
                case "toString":
                  return "brokenSpan";
                default:
                  throw new UnsupportedOperationException(method.getName());
              }
            });
  }

  @Test
  void forceFlush_exportFails_reportsFailure_andCountsExportFailed() throws Exception {
    TestExporter exporter = new TestExporter();
    exporter.fail = true;
    BoundedSpanProcessor processor = processor("failing", exporter, 100, 10, 60_000);
    spans(tracer(processor), 4);

    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isFalse();
    assertThat(dropped("failing", SelfMetrics.DROP_EXPORT_FAILED)).isEqualTo(4);
    assertThat(count("obs4j.spans.exported", "exporter", "failing")).isZero();
    assertCountsAddUp("failing");

    exporter.fail = false;
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();
  }

  @Test
  void exportNotAnsweredInTime_batchStaysQueued_noFurtherBatchWhileItHangs_queueFills_thenResumesOnTheAnswer()
      throws Exception {
    HangingExporter exporter = new HangingExporter();
    BoundedSpanProcessor processor =
        new BoundedSpanProcessor(
            "hanging", exporter, metrics, 8, 4, Duration.ofMinutes(1), Duration.ofMillis(100));
    Tracer tracer = tracer(processor);

    spans(tracer, "first-", 4);
    await(() -> count("obs4j.export.failures", "exporter", "hanging") == 1); // timed out
    assertThat(exporter.calls).hasSize(1);
    assertThat(queued("hanging")).as("not counted lost: the exporter may still deliver them").isEqualTo(4);
    assertThat(count("obs4j.spans.exported", "exporter", "hanging")).isZero();
    assertCountsAddUp("hanging");

    spans(tracer, "more-", 10); // four fit beside the unanswered batch: a full batch, due for export at once
    assertThat(dropped("hanging", SelfMetrics.DROP_QUEUE_FULL)).isEqualTo(6);
    assertThat(queued("hanging")).isEqualTo(8);
    // The flush waits one export timeout for the answer, time enough for that batch to go out if it could.
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).as("nothing confirmed").isFalse();
    assertThat(exporter.calls).as("no batch while the exporter has not answered").hasSize(1);
    assertThat(count("obs4j.export.failures", "exporter", "hanging")).isEqualTo(1);
    assertCountsAddUp("hanging");

    exporter.hang = false;
    exporter.unanswered.get(0).succeed();
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(exporter.calls).hasSize(2);
    assertThat(exporter.calls.get(1)).containsExactly("more-0", "more-1", "more-2", "more-3");
    assertThat(count("obs4j.spans.exported", "exporter", "hanging")).as("the late answer counts").isEqualTo(8);
    assertThat(queued("hanging")).isZero();
    assertCountsAddUp("hanging");
  }

  @Test
  void exportAnsweredAfterTheTimeoutWithFailure_countsExportFailed() throws Exception {
    HangingExporter exporter = new HangingExporter();
    BoundedSpanProcessor processor =
        new BoundedSpanProcessor(
            "late-failure", exporter, metrics, 100, 3, Duration.ofMinutes(1), Duration.ofMillis(100));
    spans(tracer(processor), 3);
    await(() -> count("obs4j.export.failures", "exporter", "late-failure") == 1);
    assertThat(queued("late-failure")).isEqualTo(3);

    exporter.unanswered.get(0).fail();
    await(() -> queued("late-failure") == 0); // counted first, then taken off the queue

    assertThat(dropped("late-failure", SelfMetrics.DROP_EXPORT_FAILED)).isEqualTo(3);
    assertThat(count("obs4j.spans.exported", "exporter", "late-failure")).isZero();
    assertThat(count("obs4j.export.failures", "exporter", "late-failure")).as("one call, counted once").isEqualTo(1);
    assertCountsAddUp("late-failure");
  }

  @Test
  void shutdown_exporterNeverAnswers_finishesInBoundedTime_reportsFailure_heldAndQueuedSpansCountAsShutdown()
      throws Exception {
    HangingExporter exporter = new HangingExporter();
    BoundedSpanProcessor processor =
        new BoundedSpanProcessor(
            "hung", exporter, metrics, 8, 4, Duration.ofMinutes(1), Duration.ofMillis(100));
    Tracer tracer = tracer(processor);
    spans(tracer, 4);
    await(() -> count("obs4j.export.failures", "exporter", "hung") == 1);
    spans(tracer, "queued-", 2);

    CompletableResultCode result = processor.shutdown().join(5, TimeUnit.SECONDS);

    assertThat(result.isDone()).as("shut down within 5 s").isTrue();
    assertThat(result.isSuccess()).isFalse();
    assertThat(exporter.shutdown).isTrue();
    assertThat(exporter.calls).hasSize(1);
    assertThat(dropped("hung", SelfMetrics.DROP_SHUTDOWN)).isEqualTo(6);
    assertThat(queued("hung")).isZero();
    assertCountsAddUp("hung");
  }

  @Test
  void queueFull_extraSpansDroppedAndCounted_queueNeverOverCapacity() throws Exception {
    TestExporter exporter = new TestExporter();
    exporter.blockUntil = new CountDownLatch(1);
    BoundedSpanProcessor processor = processor("full", exporter, 4, 2, 0);
    Tracer tracer = tracer(processor);

    spans(tracer, 10);
    assertThat(queued("full")).isLessThanOrEqualTo(4);
    assertThat(dropped("full", SelfMetrics.DROP_QUEUE_FULL)).isEqualTo(6); // the batch in export is counted too
    assertCountsAddUp("full");
    exporter.blockUntil.countDown();
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(exporter.spans).hasSize(4);
    assertThat(queued("full")).isZero();
    assertCountsAddUp("full");
  }

  @Test
  void onEnd_eightThreadsOverASmallQueue_everySpanCountedOnce() throws Exception {
    TestExporter exporter = new TestExporter();
    BoundedSpanProcessor processor = processor("threads", exporter, 64, 16, 1);
    Tracer tracer = tracer(processor);
    int threads = 8;
    int perThread = 5_000;
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> spans(tracer, perThread));
      thread.start();
      started.add(thread);
    }
    for (Thread thread : started) {
      thread.join(30_000);
    }
    processor.forceFlush().join(5, TimeUnit.SECONDS);

    assertThat(count("obs4j.spans.ended", "exporter", "threads")).isEqualTo(threads * perThread);
    assertThat(queued("threads")).isZero();
    assertThat(exporter.spans.size() + dropped("threads", SelfMetrics.DROP_QUEUE_FULL))
        .isEqualTo(threads * perThread);
    assertCountsAddUp("threads");
  }

  @Test
  void shutdown_exportsWhatIsQueued_thenSpansEndingLaterAreDroppedAsShutdown() throws Exception {
    TestExporter exporter = new TestExporter();
    BoundedSpanProcessor processor = processor("closing", exporter, 100, 50, 60_000);
    Tracer tracer = tracer(processor);
    spans(tracer, 3);
    Span late = tracer.spanBuilder("late").startSpan();

    assertThat(processor.shutdown().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(exporter.shutdown).isTrue();
    late.end();
    processor.onEnd((ReadableSpan) tracer.spanBuilder("after").startSpan());

    assertThat(exporter.spans).extracting(SpanData::getName).containsExactly("span-0", "span-1", "span-2");
    assertThat(dropped("closing", SelfMetrics.DROP_SHUTDOWN)).isEqualTo(2);
    assertThat(queued("closing")).isZero();
    assertCountsAddUp("closing");
    assertThat(processor.forceFlush().join(1, TimeUnit.SECONDS).isSuccess()).isTrue();
  }

  @Test
  void shutdown_finalExportFails_reportsFailure() throws Exception {
    TestExporter exporter = new TestExporter();
    exporter.fail = true;
    BoundedSpanProcessor processor = processor("closing-failed", exporter, 100, 50, 60_000);
    spans(tracer(processor), 3);

    CompletableResultCode result = processor.shutdown().join(5, TimeUnit.SECONDS);

    assertThat(result.isDone()).isTrue();
    assertThat(result.isSuccess()).isFalse();
    assertThat(dropped("closing-failed", SelfMetrics.DROP_EXPORT_FAILED)).isEqualTo(3);
    assertThat(exporter.shutdown).isTrue();
    assertCountsAddUp("closing-failed");
  }

  @Test
  void shutdown_exporterFlushOrShutdownFails_reportsFailure_thoughEverySpanWasExported() throws Exception {
    TestExporter flushFails = new TestExporter();
    flushFails.failFlush = true;
    TestExporter shutdownFails = new TestExporter();
    shutdownFails.failShutdown = true;
    BoundedSpanProcessor first = processor("flush-fails", flushFails, 100, 50, 60_000);
    BoundedSpanProcessor second = processor("shutdown-fails", shutdownFails, 100, 50, 60_000);
    spans(tracer(first, second), 2);

    CompletableResultCode firstResult = first.shutdown().join(5, TimeUnit.SECONDS);
    CompletableResultCode secondResult = second.shutdown().join(5, TimeUnit.SECONDS);

    assertThat(firstResult.isDone()).isTrue();
    assertThat(firstResult.isSuccess()).as("flush failed").isFalse();
    assertThat(secondResult.isDone()).isTrue();
    assertThat(secondResult.isSuccess()).as("exporter shutdown failed").isFalse();
    assertThat(flushFails.spans).hasSize(2);
    assertThat(shutdownFails.spans).hasSize(2);
    assertCountsAddUp("flush-fails");
    assertCountsAddUp("shutdown-fails");
  }

  @Test
  void shutdown_spanEndsWhileItRuns_reportsFailure_andTheSpanCountsAsShutdown() throws Exception {
    TestExporter exporter = new TestExporter();
    exporter.flushUntil = new CountDownLatch(1);
    BoundedSpanProcessor processor = processor("ending-meanwhile", exporter, 100, 50, 60_000);
    Tracer tracer = tracer(processor);
    spans(tracer, 3);
    Span during = tracer.spanBuilder("during").startSpan();

    CompletableResultCode result = processor.shutdown();
    assertThat(exporter.flushing.await(5, TimeUnit.SECONDS)).as("shutdown reached the exporter's flush").isTrue();
    during.end();
    exporter.flushUntil.countDown();
    result.join(5, TimeUnit.SECONDS);

    assertThat(result.isDone()).isTrue();
    assertThat(result.isSuccess()).isFalse();
    assertThat(exporter.spans).extracting(SpanData::getName).containsExactly("span-0", "span-1", "span-2");
    assertThat(dropped("ending-meanwhile", SelfMetrics.DROP_SHUTDOWN)).isEqualTo(1);
    assertCountsAddUp("ending-meanwhile");
    assertThat(processor.forceFlush().join(1, TimeUnit.SECONDS).isSuccess()).as("as the shutdown").isFalse();
  }

  /**
   * Spans end on several threads while shutdown runs, round after round. A thread that finds shutdown not
   * begun and is descheduled before it queues its span may queue it after the worker has finished: that span
   * must be dropped by the thread itself, or it stays queued for ever.
   */
  @Test
  void shutdown_spansEndingOnSeveralThreadsMeanwhile_eachCountedOnce_queueEmptyAfter() throws Exception {
    SdkTracerProvider provider = SdkTracerProvider.builder().build();
    providers.add(provider);
    ReadableSpan span = (ReadableSpan) provider.get("test").spanBuilder("racing").startSpan();
    for (int round = 0; round < 20; round++) {
      String name = "racing-" + round;
      java.util.concurrent.atomic.AtomicLong delivered = new java.util.concurrent.atomic.AtomicLong();
      SpanExporter exporter =
          new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> batch) {
              delivered.addAndGet(batch.size());
              return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode flush() {
              return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
              return CompletableResultCode.ofSuccess();
            }
          };
      BoundedSpanProcessor processor = processor(name, exporter, 256, 64, 0);
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        Thread thread = new Thread(() -> {
          while (!stop.get()) {
            processor.onEnd(span);
          }
        });
        thread.start();
        threads.add(thread);
      }
      await(() -> delivered.get() > 0);

      assertThat(processor.shutdown().join(5, TimeUnit.SECONDS).isDone()).isTrue();
      // spans keep ending after the worker has finished
      await(() -> dropped(name, SelfMetrics.DROP_SHUTDOWN) > 0);
      stop.set(true);
      for (Thread thread : threads) {
        thread.join(5_000);
      }

      assertThat(queued(name)).as("round %d", round).isZero();
      assertThat(count("obs4j.spans.exported", "exporter", name)).isEqualTo(delivered.get());
      assertCountsAddUp(name);
    }
  }

  @Test
  void exporterKeepsThrowingErrors_workerLives_shutdownCompletes() throws Exception {
    TestExporter exporter = new TestExporter();
    exporter.throwErrors = 100;
    BoundedSpanProcessor processor = processor("errors", exporter, 100, 1, 0);
    spans(tracer(processor), 5);
    await(() -> dropped("errors", SelfMetrics.DROP_EXPORTER_ERROR) == 5);

    assertThat(worker("errors").isAlive()).isTrue();
    assertThat(processor.shutdown().join(5, TimeUnit.SECONDS).isDone()).isTrue();
    assertThat(exporter.shutdown).isTrue();
    assertCountsAddUp("errors");
  }

  @Test
  void unsampledSpans_recordedButNotSampled_reachOnEnd_andAreNotCounted() throws Exception {
    TestExporter exporter = new TestExporter();
    BoundedSpanProcessor processor = processor("unsampled", exporter, 100, 10, 20);
    List<ReadableSpan> seen = new CopyOnWriteArrayList<>();
    SpanProcessor witness =
        new SpanProcessor() {
          @Override
          public void onStart(Context parentContext, ReadWriteSpan span) {}

          @Override
          public boolean isStartRequired() {
            return false;
          }

          @Override
          public void onEnd(ReadableSpan span) {
            seen.add(span);
          }

          @Override
          public boolean isEndRequired() {
            return true;
          }
        };
    // Recorded, so that the SDK calls onEnd, but not sampled: alwaysOff() would never reach onEnd at all.
    Sampler recordOnly =
        new Sampler() {
          @Override
          public SamplingResult shouldSample(
              Context parentContext,
              String traceId,
              String name,
              SpanKind spanKind,
              Attributes attributes,
              List<LinkData> parentLinks) {
            return SamplingResult.create(SamplingDecision.RECORD_ONLY);
          }

          @Override
          public String getDescription() {
            return "RecordOnly";
          }
        };
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setSampler(recordOnly)
            .addSpanProcessor(witness)
            .addSpanProcessor(processor)
            .build();
    providers.add(provider);
    spans(provider.get("test"), 3);
    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isTrue();

    assertThat(seen).hasSize(3).noneMatch(span -> span.getSpanContext().isSampled());
    assertThat(count("obs4j.spans.ended", "exporter", "unsampled")).isZero();
    assertThat(queued("unsampled")).isZero();
    assertThat(exporter.spans).isEmpty();
  }
}
