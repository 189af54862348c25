/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. Hands ended, sampled spans to one exporter from a bounded queue on a daemon
 * thread, in batches. The request thread only counts the span and appends it to a lock-free queue: when the
 * queue is full the span is dropped and counted, never waited for.
 *
 * <p>Written here rather than using the SDK's {@code BatchSpanProcessor} because that one reports its queue
 * size and drops only through an OpenTelemetry {@code MeterProvider}, and obs4j's self-metrics live in the
 * Micrometer registry that Prometheus scrapes; the batching rules (size, delay, timeout) are the SDK's, and a
 * delay of 0 exports as soon as a span is queued.
 *
 * <p>Every span this processor accepts ends up in exactly one of its counters, so that for its exporter
 * {@code ended = exported + dropped (all reasons) + queue size}, where the queue size counts the spans waiting
 * and those of the batch being exported. An exporter that implements {@link CountingExporter} says which
 * spans of a batch it lost and why; any other exporter's batch counts as delivered or lost as a whole.
 *
 * <p>An export whose result is not done within the export timeout is counted as a failed export call and
 * warned about, but its spans are not counted as lost then, because the exporter may still deliver them: they
 * stay in the queue size until the exporter answers, and then count as exported or {@code export_failed} by
 * that answer. Until it answers no other batch is handed to the exporter, so a hanging exporter never holds
 * more than one batch; the queue fills and further spans count as {@code queue_full}. The spans held are
 * therefore never more than the queue's capacity, the unanswered batch included. A batch still unanswered
 * when the exporter has been shut down counts as {@code shutdown}.
 *
 * <p>{@link #shutdown()} finishes in bounded time (a few export timeouts at most, whatever the exporter does)
 * and fails when any span was lost on the way: the last exports lost some, a batch was never answered, the
 * exporter's flush or shutdown failed or timed out, or spans ended while it ran.
 */
public final class BoundedSpanProcessor implements SpanProcessor {

  /**
   * An exporter that tells, for each batch, how many of its spans it could not deliver and why, so that a
   * batch delivered in part is counted in part.
   */
  public interface CountingExporter {
    /**
     * Exports {@code spans} before returning and gives the number of spans not delivered by drop reason (the
     * {@code SelfMetrics.DROP_*} values); an empty map when every span was delivered. Should not throw: a
     * throw counts the whole batch as lost with reason {@link SelfMetrics#DROP_EXPORTER_ERROR}.
     */
    Map<String, Integer> exportCounting(Collection<SpanData> spans);
  }

  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(BoundedSpanProcessor.class));

  /** How long the worker waits when a span is counted but not yet in the queue, instead of spinning. */
  private static final long RECHECK_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  /**
   * How long the worker sleeps at most while the exporter has not answered a timed-out export: the answer, a
   * flush and shutdown wake it sooner; this only keeps the queue-full warning going.
   */
  private static final long UNANSWERED_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final String name;
  private final SpanExporter exporter;
  private final SelfMetrics metrics;
  private final ConcurrentLinkedQueue<ReadableSpan> queue = new ConcurrentLinkedQueue<>();
  /** Spans accepted and not yet counted as exported or dropped: in the queue or in the batch in export. */
  private final AtomicInteger pending = new AtomicInteger();
  private final int maxQueue;
  private final int maxBatch;
  private final long delayNanos;
  private final long timeoutNanos;
  /** Pending spans at which a request thread wakes the worker: a full batch, or one when there is no delay. */
  private final int wakeAt;
  private final Counter ended;
  private final Counter exported;
  private final Counter droppedQueueFull;
  private final Counter droppedShutdown;
  private final Counter failures;
  /** Drop counters by reason; used by the worker thread only. */
  private final Map<String, Counter> dropped = new HashMap<>();
  private final AtomicReference<@Nullable CompletableResultCode> flushRequest = new AtomicReference<>();
  /** True while the worker waits; a request thread that finds it true (and resets it) wakes the worker. */
  private final AtomicBoolean sleeping = new AtomicBoolean();
  private final AtomicBoolean shutdownStarted = new AtomicBoolean();
  private final CompletableResultCode shutdownResult = new CompletableResultCode();
  private final Thread worker;
  /** Set when shutdown begins: from then on ended spans are dropped, not queued. */
  private volatile boolean stopping;
  /** Set by the worker after its last export: whatever is still queued then is dropped. */
  private volatile boolean terminated;
  /** Worker thread only: whether a batch lost spans since the flag was last reset. */
  private boolean lostSome;
  /** Worker thread only: the queue-full drops already logged about. */
  private double queueFullSeen;
  /** Worker thread only: the result of an export that timed out and is not yet settled; its spans are pending. */
  private @Nullable CompletableResultCode unanswered;
  /** Worker thread only: the spans of {@link #unanswered}. */
  private int unansweredCount;
  /** The shutdown drops counted before shutdown began; set before {@link #stopping}, read after it. */
  private double shutdownDropsBefore;

  public BoundedSpanProcessor(
      String name,
      SpanExporter exporter,
      SelfMetrics metrics,
      int maxQueue,
      int maxBatch,
      Duration delay,
      Duration timeout) {
    this.name = name;
    this.exporter = exporter;
    this.metrics = metrics;
    this.maxQueue = maxQueue;
    this.maxBatch = Math.min(maxBatch, maxQueue);
    this.delayNanos = delay.toNanos();
    this.timeoutNanos = timeout.toNanos();
    this.wakeAt = delayNanos == 0 ? 1 : this.maxBatch;
    this.ended = metrics.ended(name);
    this.exported = metrics.exported(name);
    this.droppedQueueFull = metrics.dropped(name, SelfMetrics.DROP_QUEUE_FULL);
    this.droppedShutdown = metrics.dropped(name, SelfMetrics.DROP_SHUTDOWN);
    this.failures = metrics.exportFailures(name);
    Gauge.builder("obs4j.export.queue.size", pending, AtomicInteger::get)
        .description("Spans waiting in the export queue or being exported")
        .tag("exporter", name)
        .register(metrics.registry());
    Gauge.builder("obs4j.export.queue.capacity", pending, p -> maxQueue)
        .description("Spans the export queue holds at most, the batch being exported included")
        .tag("exporter", name)
        .register(metrics.registry());
    this.worker = new Thread(this::run, "obs4j-export-" + name);
    this.worker.setDaemon(true);
    this.worker.start();
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (!span.getSpanContext().isSampled()) {
      return;
    }
    ended.increment();
    if (stopping) {
      droppedShutdown.increment();
      return;
    }
    // Read first, so that a full queue costs no write to the shared counter.
    if (pending.get() >= maxQueue) {
      droppedQueueFull.increment();
      return;
    }
    int queued = pending.incrementAndGet();
    if (queued > maxQueue) {
      pending.decrementAndGet();
      droppedQueueFull.increment();
      return;
    }
    queue.offer(span);
    if (terminated) {
      dropLeftovers(); // shutdown finished while this span was on its way in
    } else if (queued >= wakeAt && sleeping.get() && sleeping.compareAndSet(true, false)) {
      LockSupport.unpark(worker);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  private void run() {
    long deadline = System.nanoTime() + delayNanos;
    while (!stopping) {
      try {
        CompletableResultCode flush = flushRequest.getAndSet(null);
        if (flush != null) {
          lostSome = false;
          boolean answered = awaitUnanswered(System.nanoTime() + timeoutNanos, true);
          if (answered) {
            exportQueued(pending.get());
          }
          complete(flush, answered && unanswered == null && flushExporter() && !lostSome);
          deadline = System.nanoTime() + delayNanos;
          continue;
        }
        logQueueFull();
        if (!settleUnanswered()) {
          // No further batch for an exporter that has not answered the last one: the queue bounds the memory.
          LockSupport.parkNanos(this, UNANSWERED_RECHECK_NANOS);
          Thread.interrupted();
          continue;
        }
        int queued = pending.get();
        long now = System.nanoTime();
        if (queued >= maxBatch || (queued > 0 && now - deadline >= 0)) {
          if (exportQueued(Math.min(queued, maxBatch)) == 0) {
            // counted by a request thread that has not appended it yet
            LockSupport.parkNanos(this, RECHECK_NANOS);
          }
          deadline = System.nanoTime() + delayNanos;
        } else {
          if (now - deadline >= 0) {
            deadline = now + delayNanos;
          }
          await(deadline - now);
        }
      } catch (Throwable t) {
        // Everything that can fail is caught where it happens; this keeps the worker alive regardless.
        log.error("worker-" + name, "The " + name + " export thread hit an unexpected error", t);
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
    finish();
  }

  /**
   * Waits until woken, for at most {@code nanos} when there is a delay; with no delay, until a span is
   * queued. Announces the wait first and looks once more, so that a span queued meanwhile is not missed.
   */
  private void await(long nanos) {
    sleeping.set(true);
    if (pending.get() < wakeAt && flushRequest.get() == null && !stopping) {
      if (delayNanos == 0) {
        LockSupport.park(this);
      } else {
        LockSupport.parkNanos(this, nanos);
      }
    }
    sleeping.set(false);
    Thread.interrupted(); // an interrupt must not turn the waits into a spin
  }

  /**
   * Exports up to {@code limit} queued spans in batches of at most {@code maxBatch}, stopping after a batch
   * the exporter does not answer in time; returns how many.
   */
  private int exportQueued(int limit) {
    int taken = 0;
    while (taken < limit && unanswered == null) {
      int size = Math.min(limit - taken, maxBatch);
      List<ReadableSpan> batch = new ArrayList<>(size);
      ReadableSpan span;
      while (batch.size() < size && (span = queue.poll()) != null) {
        batch.add(span);
      }
      if (batch.isEmpty()) {
        break;
      }
      exportBatch(batch);
      taken += batch.size();
    }
    return taken;
  }

  private void exportBatch(List<ReadableSpan> batch) {
    int held = 0;
    try {
      List<SpanData> data = new ArrayList<>(batch.size());
      for (ReadableSpan span : batch) {
        try {
          data.add(span.toSpanData());
        } catch (Throwable t) {
          lose(SelfMetrics.DROP_EXPORTER_ERROR, 1);
          log.error("span-data-" + name, "Cannot read an ended span for the " + name + " exporter; it is lost", t);
        }
      }
      if (!data.isEmpty()) {
        held = export(data);
      }
    } finally {
      pending.addAndGet(held - batch.size());
    }
  }

  /** Exports and counts {@code data}; returns how many of its spans stay pending, awaiting a late answer. */
  private int export(List<SpanData> data) {
    int count = data.size();
    try {
      if (exporter instanceof CountingExporter) {
        Map<String, Integer> drops = ((CountingExporter) exporter).exportCounting(data);
        int lost = 0;
        for (Map.Entry<String, Integer> drop : drops.entrySet()) {
          int n = Math.min(drop.getValue(), count - lost);
          if (n > 0) {
            lose(drop.getKey(), n);
            lost += n;
          }
        }
        exported.increment(count - lost);
        if (lost > 0) {
          failures.increment(); // the exporter logs why
        }
        return 0;
      }
      CompletableResultCode result = exporter.export(data);
      result.join(timeoutNanos, TimeUnit.NANOSECONDS);
      if (!result.isDone()) {
        failures.increment();
        unanswered = result;
        unansweredCount = count;
        result.whenComplete(() -> LockSupport.unpark(worker));
        log.warn(
            "export-timeout-" + name,
            "The " + name + " exporter has not answered within OTEL_BSP_EXPORT_TIMEOUT; its " + count
                + " spans stay queued until it does, and it gets no further batch meanwhile",
            null);
        return count;
      }
      if (result.isSuccess()) {
        exported.increment(count);
        return 0;
      }
      failures.increment();
      lose(SelfMetrics.DROP_EXPORT_FAILED, count);
      log.warn(
          "export-failed-" + name,
          "The " + name + " exporter failed; " + count + " spans were dropped",
          result.getFailureThrowable());
    } catch (Throwable t) {
      failures.increment();
      lose(SelfMetrics.DROP_EXPORTER_ERROR, count);
      log.error("export-error-" + name, "The " + name + " exporter threw; " + count + " spans were lost", t);
    }
    return 0;
  }

  /**
   * Counts the timed-out export by the exporter's answer once it has come; returns whether no export is
   * left unanswered. Its failure was counted when it timed out.
   */
  private boolean settleUnanswered() {
    CompletableResultCode result = unanswered;
    if (result == null) {
      return true;
    }
    if (!result.isDone()) {
      return false;
    }
    int count = unansweredCount;
    unanswered = null;
    if (result.isSuccess()) {
      exported.increment(count);
    } else {
      lose(SelfMetrics.DROP_EXPORT_FAILED, count);
      log.warn(
          "export-failed-" + name,
          "The " + name + " exporter failed after the export timeout; " + count + " spans were dropped",
          result.getFailureThrowable());
    }
    pending.addAndGet(-count);
    return true;
  }

  /**
   * Waits until the exporter has answered the timed-out export, if any, and counts it; gives up at
   * {@code deadline}, or when shutdown begins if {@code untilStopping}. Returns whether it was answered.
   */
  private boolean awaitUnanswered(long deadline, boolean untilStopping) {
    while (!settleUnanswered()) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || (untilStopping && stopping)) {
        return false;
      }
      LockSupport.parkNanos(this, left); // the answer, a flush request and shutdown unpark
      Thread.interrupted();
    }
    return true;
  }

  private void lose(String reason, int count) {
    dropped.computeIfAbsent(reason, r -> metrics.dropped(name, r)).increment(count);
    lostSome = true;
  }

  private boolean flushExporter() {
    try {
      CompletableResultCode result = exporter.flush();
      result.join(timeoutNanos, TimeUnit.NANOSECONDS);
      return result.isSuccess();
    } catch (Throwable t) {
      log.error("flush-error-" + name, "The " + name + " exporter threw on flush", t);
      return false;
    }
  }

  /** Logged here, off the request thread, at most once a minute. */
  private void logQueueFull() {
    double full = droppedQueueFull.count();
    if (full > queueFullSeen) {
      queueFullSeen = full;
      log.warn(
          "queue-full-" + name,
          "The " + name + " export queue is full; spans are dropped (see OTEL_BSP_MAX_QUEUE_SIZE)",
          null);
    }
  }

  /**
   * Exports what is queued, flushes and stops the exporter; whatever arrives after that is dropped. Each step
   * waits at most the export timeout, and an exporter that does not answer gets nothing more: what is still
   * queued then is dropped.
   */
  private void finish() {
    boolean ok = false;
    try {
      lostSome = false;
      if (awaitUnanswered(System.nanoTime() + timeoutNanos, false)) {
        exportQueued(Integer.MAX_VALUE); // ends: request threads no longer queue
      }
      ok = unanswered == null && flushExporter() && !lostSome;
    } catch (Throwable t) {
      log.error("worker-" + name, "The " + name + " export thread hit an unexpected error at shutdown", t);
    } finally {
      terminated = true;
      dropLeftovers();
      CompletableResultCode flush = flushRequest.getAndSet(null);
      if (flush != null) {
        complete(flush, ok);
      }
      try {
        CompletableResultCode stopped = exporter.shutdown().join(timeoutNanos, TimeUnit.NANOSECONDS);
        if (!stopped.isSuccess()) {
          ok = false;
          log.warn(
              "shutdown-failed-" + name,
              "The " + name + " exporter " + (stopped.isDone() ? "failed to shut down" : "did not shut down in time"),
              stopped.getFailureThrowable());
        }
      } catch (Throwable t) {
        ok = false;
        log.error("shutdown-error-" + name, "The " + name + " exporter threw on shutdown", t);
      }
      if (!settleUnanswered()) {
        // Stopping the exporter usually ends its calls; one that still has not answered gets no more waiting.
        droppedShutdown.increment(unansweredCount);
        pending.addAndGet(-unansweredCount);
        unanswered = null;
        log.warn(
            "shutdown-unanswered-" + name,
            "The " + name + " exporter never answered for " + unansweredCount + " spans; they count as dropped",
            null);
      }
      complete(shutdownResult, ok && !lostSome && droppedShutdown.count() == shutdownDropsBefore);
    }
  }

  private void dropLeftovers() {
    int left = 0;
    while (queue.poll() != null) {
      left++;
    }
    if (left > 0) {
      droppedShutdown.increment(left);
      pending.addAndGet(-left);
    }
  }

  private static void complete(CompletableResultCode result, boolean ok) {
    if (ok) {
      result.succeed();
    } else {
      result.fail();
    }
  }

  /**
   * Exports every span queued so far and flushes the exporter; the result fails when any of those spans was
   * lost or not answered for within the export timeout, or the exporter's flush failed. Once shutdown has
   * begun it completes as the shutdown does.
   */
  @Override
  public CompletableResultCode forceFlush() {
    if (stopping) {
      CompletableResultCode result = new CompletableResultCode();
      shutdownResult.whenComplete(() -> complete(result, shutdownResult.isSuccess()));
      return result;
    }
    CompletableResultCode request = new CompletableResultCode();
    CompletableResultCode pendingRequest = flushRequest.getAndUpdate(p -> p == null ? request : p);
    LockSupport.unpark(worker);
    if (terminated) {
      // The worker finished between the check above and the request: nothing is left to export.
      CompletableResultCode orphan = flushRequest.getAndSet(null);
      if (orphan != null) {
        orphan.succeed();
      }
    }
    return pendingRequest == null ? request : pendingRequest;
  }

  /**
   * Stops taking spans, exports those queued and shuts the exporter down; the result fails when any span
   * was lost on the way (see the class description), so that closing obs4j warns.
   */
  @Override
  public CompletableResultCode shutdown() {
    if (shutdownStarted.compareAndSet(false, true)) {
      shutdownDropsBefore = droppedShutdown.count();
      stopping = true;
      LockSupport.unpark(worker);
    }
    return shutdownResult;
  }

  @Override
  public String toString() {
    return "BoundedSpanProcessor{" + name + ", " + exporter + "}";
  }
}
