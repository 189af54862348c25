/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The spans of one trace the console holds, ordered by start, with the
 * summary its list shows.
 */
public final class Trace {
  private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");

  private final String traceId;
  private final List<ViewSpan> spans;
  private final ViewSpan root;

  Trace(String traceId, List<ViewSpan> spans) {
    this.traceId = traceId;
    List<ViewSpan> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.comparingLong(ViewSpan::startNanos));
    this.spans = List.copyOf(sorted);
    Set<String> ids = new HashSet<>();
    sorted.forEach(s -> ids.add(s.spanId()));
    // The root: the first span whose parent is not here (the real root, or the earliest one we hold).
    this.root =
        sorted.stream()
            .filter(s -> s.parentSpanId().isEmpty() || !ids.contains(s.parentSpanId()))
            .findFirst()
            .orElse(sorted.get(0));
  }

  public String traceId() {
    return traceId;
  }

  /** Every span held, earliest start first. */
  List<ViewSpan> spans() {
    return spans;
  }

  /** How many spans of it are held. */
  public int size() {
    return spans.size();
  }

  /** The name of its root span. */
  public String name() {
    return root.name();
  }

  ViewSpan root() {
    return root;
  }

  /** Whether the root has no parent at all: the whole trace began in this service. */
  public boolean complete() {
    return root.parentSpanId().isEmpty();
  }

  public long startNanos() {
    return spans.get(0).startNanos();
  }

  public long endNanos() {
    return spans.stream().mapToLong(ViewSpan::endNanos).max().orElse(startNanos());
  }

  public long durationNanos() {
    return endNanos() - startNanos();
  }

  /** Whether any span of it ended in error. */
  public boolean error() {
    return spans.stream().anyMatch(ViewSpan::error);
  }

  public String service() {
    return root.service();
  }

  static String service(SpanData span) {
    String name = span.getResource().getAttribute(SERVICE);
    return name == null ? "" : name;
  }

  /** The first user id any span of it carries ({@code enduser.id}), or null. */
  public @Nullable String userId() {
    return spans.stream().map(s -> s.attribute("enduser.id")).filter(u -> u != null).findFirst().orElse(null);
  }

  /** The root's route ({@code http.route}), or null. */
  public @Nullable String route() {
    return root.attribute("http.route");
  }
}
