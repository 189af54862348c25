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
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. Hands ended, sampled spans to one exporter from a bounded queue on a daemon
 * thread, in batches. The request thread only offers to the queue: when it is full the span is dropped and
 * counted, never waited for.
 *
 * <p>Written here rather than using the SDK's {@code BatchSpanProcessor} because that one reports its queue
 * size and drops only through an OpenTelemetry {@code MeterProvider}, and obs4j's self-metrics live in the
 * Micrometer registry that Prometheus scrapes; the batching rules (size, delay, timeout) are the SDK's.
 */
public final class BoundedSpanProcessor implements SpanProcessor {
  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(BoundedSpanProcessor.class));

  private final String name;
  private final SpanExporter exporter;
  private final ArrayBlockingQueue<ReadableSpan> queue;
  private final int maxBatch;
  private final long delayNanos;
  private final long timeoutNanos;
  private final Counter ended;
  private final Counter exported;
  private final Counter droppedQueueFull;
  private final Counter droppedExportFailed;
  private final Counter droppedShutdown;
  private final Counter failures;
  private final AtomicReference<@Nullable CompletableResultCode> flushRequest = new AtomicReference<>();
  private final AtomicBoolean shutdown = new AtomicBoolean();
  private final Thread worker;
  private volatile boolean running = true;

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
    this.queue = new ArrayBlockingQueue<>(maxQueue);
    this.maxBatch = Math.min(maxBatch, maxQueue);
    this.delayNanos = delay.toNanos();
    this.timeoutNanos = timeout.toNanos();
    this.ended = metrics.ended();
    this.exported = metrics.exported(name);
    this.droppedQueueFull = metrics.dropped(name, SelfMetrics.DROP_QUEUE_FULL);
    this.droppedExportFailed = metrics.dropped(name, SelfMetrics.DROP_EXPORT_FAILED);
    this.droppedShutdown = metrics.dropped(name, SelfMetrics.DROP_SHUTDOWN);
    this.failures = metrics.exportFailures(name);
    Gauge.builder("obs4j.export.queue.size", queue, ArrayBlockingQueue::size)
        .description("Spans waiting in the export queue")
        .tag("exporter", name)
        .register(metrics.registry());
    Gauge.builder("obs4j.export.queue.capacity", queue, q -> q.size() + q.remainingCapacity())
        .description("Spans the export queue holds at most")
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
    if (!queue.offer(span)) {
      droppedQueueFull.increment();
      log.warn(
          "queue-full-" + name,
          "The " + name + " export queue is full; spans are dropped (see OTEL_BSP_MAX_QUEUE_SIZE)",
          null);
    } else if (queue.size() >= maxBatch) {
      LockSupport.unpark(worker);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  private void run() {
    List<SpanData> batch = new ArrayList<>(maxBatch);
    long deadline = System.nanoTime() + delayNanos;
    while (running) {
      CompletableResultCode flush = flushRequest.getAndSet(null);
      if (flush != null) {
        drainAndExport(batch, Integer.MAX_VALUE);
        exporter.flush().join(timeoutNanos, TimeUnit.NANOSECONDS);
        flush.succeed();
        deadline = System.nanoTime() + delayNanos;
        continue;
      }
      long now = System.nanoTime();
      if (queue.size() >= maxBatch || now - deadline >= 0) {
        drainAndExport(batch, maxBatch);
        deadline = System.nanoTime() + delayNanos;
      } else {
        LockSupport.parkNanos(this, deadline - now);
      }
    }
  }

  /** Exports up to {@code limit} spans from the queue, in batches of at most {@code maxBatch}. */
  private void drainAndExport(List<SpanData> batch, int limit) {
    int taken = 0;
    ReadableSpan span;
    while (taken < limit && (span = queue.poll()) != null) {
      batch.add(span.toSpanData());
      taken++;
      if (batch.size() >= maxBatch) {
        exportBatch(batch);
      }
    }
    if (!batch.isEmpty()) {
      exportBatch(batch);
    }
  }

  private void exportBatch(List<SpanData> batch) {
    int count = batch.size();
    try {
      CompletableResultCode result = exporter.export(new ArrayList<>(batch));
      result.join(timeoutNanos, TimeUnit.NANOSECONDS);
      if (result.isSuccess()) {
        exported.increment(count);
      } else {
        failures.increment();
        if (!(exporter instanceof SelfMetrics.CountsOwnDrops)) {
          droppedExportFailed.increment(count);
        }
        log.warn(
            "export-failed-" + name,
            "The " + name + " exporter failed or timed out; " + count + " spans were dropped",
            result.getFailureThrowable());
      }
    } catch (RuntimeException e) {
      failures.increment();
      droppedExportFailed.increment(count);
      log.error("export-error-" + name, "The " + name + " exporter threw; " + count + " spans lost", e);
    } finally {
      batch.clear();
    }
  }

  @Override
  public CompletableResultCode forceFlush() {
    if (!running) {
      return CompletableResultCode.ofSuccess();
    }
    CompletableResultCode request = new CompletableResultCode();
    CompletableResultCode pending = flushRequest.getAndUpdate(p -> p == null ? request : p);
    LockSupport.unpark(worker);
    return pending == null ? request : pending;
  }

  @Override
  public CompletableResultCode shutdown() {
    if (!shutdown.compareAndSet(false, true)) {
      return CompletableResultCode.ofSuccess();
    }
    CompletableResultCode result = new CompletableResultCode();
    CompletableResultCode flushed = forceFlush();
    flushed.whenComplete(
        () -> {
          running = false;
          LockSupport.unpark(worker);
          int left = queue.size();
          queue.clear();
          if (left > 0) {
            droppedShutdown.increment(left);
          }
          exporter.shutdown().whenComplete(result::succeed);
        });
    return result;
  }

  @Override
  public String toString() {
    return "BoundedSpanProcessor{" + name + ", " + exporter + "}";
  }
}
