/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. A span as the waterfall draws it, from this service's ring or from another
 * service's console. Between consoles a span travels as one line of tab-separated fields (tab, line break,
 * carriage return and backslash escaped): id, parent id, service, name, kind, start and end (epoch
 * nanoseconds), 1 for an error, the status description, then key and value pairs (an event as the key
 * {@code event:NAME} and its attributes as the value).
 */
record ViewSpan(
    String spanId,
    String parentSpanId,
    String service,
    String name,
    String kind,
    long startNanos,
    long endNanos,
    boolean error,
    String status,
    List<Map.Entry<String, String>> attributes) {

  static final String EVENT = "event:";

  static ViewSpan of(SpanData span) {
    List<Map.Entry<String, String>> attributes = new ArrayList<>();
    span.getAttributes().forEach((AttributeKey<?> key, Object value) -> attributes.add(Map.entry(key.getKey(), String.valueOf(value))));
    for (EventData event : span.getEvents()) {
      StringBuilder fields = new StringBuilder();
      event.getAttributes().forEach((AttributeKey<?> key, Object value) ->
          fields.append(fields.length() == 0 ? "" : "\n").append(key.getKey()).append(": ").append(value));
      attributes.add(Map.entry(EVENT + event.getName(), fields.toString()));
    }
    String description = span.getStatus().getDescription();
    return new ViewSpan(
        span.getSpanId(),
        span.getParentSpanContext().isValid() ? span.getParentSpanId() : "",
        Trace.service(span),
        span.getName(),
        span.getKind().name().toLowerCase(Locale.ROOT),
        span.getStartEpochNanos(),
        span.getEndEpochNanos(),
        span.getStatus().getStatusCode() == StatusCode.ERROR,
        description == null ? "" : description,
        List.copyOf(attributes));
  }

  String line() {
    StringBuilder line = new StringBuilder();
    for (String field : List.of(spanId, parentSpanId, service, name, kind, Long.toString(startNanos),
        Long.toString(endNanos), error ? "1" : "0", status)) {
      field(line, field);
    }
    for (Map.Entry<String, String> attribute : attributes) {
      field(line, attribute.getKey());
      field(line, attribute.getValue());
    }
    return line.toString();
  }

  /** The span a line describes, or null when it is not one (a peer may answer anything). */
  static @Nullable ViewSpan parse(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\t') {
        fields.add(field.toString());
        field.setLength(0);
      } else if (c == '\\' && i + 1 < line.length()) {
        char next = line.charAt(++i);
        field.append(next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    if (fields.size() < 9 || fields.size() % 2 == 0 || !fields.get(0).matches("[0-9a-f]{16}")
        || !fields.get(1).matches("([0-9a-f]{16})?")) {
      return null;
    }
    try {
      List<Map.Entry<String, String>> attributes = new ArrayList<>();
      for (int i = 9; i + 1 < fields.size(); i += 2) {
        attributes.add(Map.entry(fields.get(i), fields.get(i + 1)));
      }
      return new ViewSpan(fields.get(0), fields.get(1), fields.get(2), fields.get(3), fields.get(4),
          Long.parseLong(fields.get(5)), Long.parseLong(fields.get(6)), "1".equals(fields.get(7)), fields.get(8),
          List.copyOf(attributes));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static void field(StringBuilder line, String value) {
    if (line.length() > 0) {
      line.append('\t');
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\t' -> line.append("\\t");
        case '\n' -> line.append("\\n");
        case '\r' -> line.append("\\r");
        case '\\' -> line.append("\\\\");
        default -> line.append(c);
      }
    }
  }
}
