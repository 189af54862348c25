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
 * when tracing is in trouble: spans started, ended, exported and dropped (by reason), export failures, the
 * export queue size and Jaeger datagrams sent.
 */
public final class SelfMetrics {
  public static final String DROP_QUEUE_FULL = "queue_full";
  public static final String DROP_TOO_LARGE = "too_large";
  public static final String DROP_EXPORT_FAILED = "export_failed";
  public static final String DROP_SHUTDOWN = "shutdown";

  private final MeterRegistry registry;
  private final Counter started;
  private final Counter ended;

  /**
   * An exporter that counts, span by span, what it could not deliver (in {@code obs4j.spans.dropped}); the
   * processor then does not count a failed export call's whole batch again.
   */
  public interface CountsOwnDrops {}

  public SelfMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.started =
        Counter.builder("obs4j.spans.started")
            .description("Spans started through obs4j's tracer provider, sampled or not")
            .register(registry);
    this.ended =
        Counter.builder("obs4j.spans.ended")
            .description("Sampled spans ended and handed to the export queue")
            .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Counter started() {
    return started;
  }

  public Counter ended() {
    return ended;
  }

  public Counter exported(String exporter) {
    return Counter.builder("obs4j.spans.exported")
        .description("Spans the exporter accepted")
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
        .description("Export calls that failed or timed out")
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
}
