/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
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
    for (int i = 0; i < count; i++) {
      tracer.spanBuilder("span-" + i).startSpan().end();
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
  void exportNeverCompletes_timesOut_countedAsExportFailed() throws Exception {
    SpanExporter hanging =
        new SpanExporter() {
          @Override
          public CompletableResultCode export(Collection<SpanData> spans) {
            return new CompletableResultCode(); // never completes
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
    BoundedSpanProcessor processor =
        new BoundedSpanProcessor(
            "hanging", hanging, metrics, 100, 10, Duration.ofMillis(10), Duration.ofMillis(100));
    spans(tracer(processor), 2);

    assertThat(processor.forceFlush().join(5, TimeUnit.SECONDS).isSuccess()).isFalse();
    assertThat(dropped("hanging", SelfMetrics.DROP_EXPORT_FAILED)).isEqualTo(2);
    assertCountsAddUp("hanging");
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
  void unsampledSpans_areNotCounted() throws Exception {
    TestExporter exporter = new TestExporter();
    BoundedSpanProcessor processor = processor("unsampled", exporter, 100, 10, 20);
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setSampler(io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOff())
            .addSpanProcessor(processor)
            .build();
    providers.add(provider);
    spans(provider.get("test"), 3);
    processor.forceFlush().join(5, TimeUnit.SECONDS);
    assertThat(count("obs4j.spans.ended", "exporter", "unsampled")).isZero();
    assertThat(exporter.spans).isEmpty();
  }
}
