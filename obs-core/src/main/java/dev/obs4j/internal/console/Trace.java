/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
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
  private static final AttributeKey<String> USER = AttributeKey.stringKey("enduser.id");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<String> SERVICE = AttributeKey.stringKey("service.name");

  private final String traceId;
  private final List<SpanData> spans;
  private final SpanData root;

  Trace(String traceId, List<SpanData> spans) {
    this.traceId = traceId;
    List<SpanData> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.comparingLong(SpanData::getStartEpochNanos));
    this.spans = List.copyOf(sorted);
    Set<String> ids = new HashSet<>();
    sorted.forEach(s -> ids.add(s.getSpanId()));
    // The root: the first span whose parent is not here (the real root, or the earliest one we hold).
    this.root =
        sorted.stream()
            .filter(s -> !s.getParentSpanContext().isValid() || !ids.contains(s.getParentSpanId()))
            .findFirst()
            .orElse(sorted.get(0));
  }

  public String traceId() {
    return traceId;
  }

  /** Every span held, earliest start first. */
  public List<SpanData> spans() {
    return spans;
  }

  public SpanData root() {
    return root;
  }

  /** Whether the root has no parent at all: the whole trace began in this service. */
  public boolean complete() {
    return !root.getParentSpanContext().isValid();
  }

  public long startNanos() {
    return spans.get(0).getStartEpochNanos();
  }

  public long endNanos() {
    return spans.stream().mapToLong(SpanData::getEndEpochNanos).max().orElse(startNanos());
  }

  public long durationNanos() {
    return endNanos() - startNanos();
  }

  /** Whether any span of it ended in error. */
  public boolean error() {
    return spans.stream().anyMatch(s -> s.getStatus().getStatusCode() == StatusCode.ERROR);
  }

  public String service() {
    return service(root);
  }

  static String service(SpanData span) {
    String name = span.getResource().getAttribute(SERVICE);
    return name == null ? "" : name;
  }

  /** The first user id any span of it carries ({@code enduser.id}), or null. */
  public @Nullable String userId() {
    return spans.stream().map(s -> s.getAttributes().get(USER)).filter(u -> u != null).findFirst().orElse(null);
  }

  /** The root's route ({@code http.route}), or null. */
  public @Nullable String route() {
    return root.getAttributes().get(ROUTE);
  }
}
