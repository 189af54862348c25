/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Internal, not for public use. The meters through which obs4j reports on itself, so that a dashboard shows
 * when tracing is in trouble: spans started, and per exporter spans ended, exported and dropped (by reason),
 * export failures, the export queue size and Jaeger datagrams sent.
 *
 * <p>For every exporter the span counts add up: {@code obs4j.spans.ended{exporter}} equals
 * {@code obs4j.spans.exported{exporter}} plus the sum of {@code obs4j.spans.dropped{exporter,reason}} plus
 * {@code obs4j.export.queue.size{exporter}} (spans queued or being exported right now).
 */
public final class SelfMetrics {
  /** The export queue was full when the span ended. */
  public static final String DROP_QUEUE_FULL = "queue_full";
  /** The span did not fit in one Jaeger datagram, even with its longest values shortened. */
  public static final String DROP_TOO_LARGE = "too_large";
  /** The span could not be encoded (a bug, or a span whose data cannot be read). */
  public static final String DROP_ENCODE_FAILED = "encode_failed";
  /** The datagram carrying the span could not be sent. */
  public static final String DROP_SEND_FAILED = "send_failed";
  /** The exporter reported failure for the batch, within the export timeout or after it. */
  public static final String DROP_EXPORT_FAILED = "export_failed";
  /** The exporter, or reading the ended span, threw instead of reporting failure. */
  public static final String DROP_EXPORTER_ERROR = "exporter_error";
  /**
   * The span ended after shutdown began, or was still queued, or in a batch the exporter never answered for,
   * when the exporter stopped.
   */
  public static final String DROP_SHUTDOWN = "shutdown";

  private final MeterRegistry registry;
  private final Counter started;

  public SelfMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.started =
        Counter.builder("obs4j.spans.started")
            .description("Spans started and recorded through obs4j's tracer provider (sampled, or recorded only);"
                + " spans the sampler drops never reach a processor")
            .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Counter started() {
    return started;
  }

  /** Sampled spans ended and offered to {@code exporter}'s queue; each exporter counts its own. */
  public Counter ended(String exporter) {
    return Counter.builder("obs4j.spans.ended")
        .description("Sampled spans ended and offered to the exporter's queue")
        .tags(Tags.of("exporter", exporter))
        .register(registry);
  }

  public Counter exported(String exporter) {
    return Counter.builder("obs4j.spans.exported")
        .description("Spans the exporter delivered")
        .tags(Tags.of("exporter", exporter))
        .register(registry);
  }

  public Counter dropped(String exporter, String reason) {
    return Counter.builder("obs4j.spans.dropped")
        .description("Spans lost before reaching the backend, by reason")
        .tags(Tags.of("exporter", exporter, "reason", reason))
        .register(registry);
  }

  public Counter exportFailures(String exporter) {
    return Counter.builder("obs4j.export.failures")
        .description("Export calls that failed, threw or timed out, or lost some of their spans")
        .tags(Tags.of("exporter", exporter))
        .register(registry);
  }

  public Counter datagrams(String outcome) {
    return Counter.builder("obs4j.jaeger.datagrams")
        .description("UDP datagrams sent to the Jaeger agent, by outcome")
        .tags(Tags.of("outcome", outcome))
        .register(registry);
  }

  public Counter datagramBytes() {
    return Counter.builder("obs4j.jaeger.datagram.bytes")
        .baseUnit("bytes")
        .description("Bytes sent to the Jaeger agent in datagrams")
        .register(registry);
  }

  /** Spans whose longest values the Jaeger exporter shortened so that they fit in a datagram. */
  public Counter truncated() {
    return Counter.builder("obs4j.jaeger.spans.truncated")
        .description("Spans sent to Jaeger with their longest values shortened to fit in a datagram")
        .register(registry);
  }
}
