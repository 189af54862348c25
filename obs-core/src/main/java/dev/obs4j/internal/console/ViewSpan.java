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

  /** At most this many characters of a span's name, an attribute's key, or the status description. */
  static final int MAX_NAME = 256;
  /** At most this many characters of an attribute's value (a path, a user agent, a statement). */
  static final int MAX_VALUE = 1_024;
  /** At most this many characters of an event's text (an exception's stack trace). */
  static final int MAX_EVENT = 8_192;
  /** At most this many attributes and events together. */
  static final int MAX_ATTRIBUTES = 64;
  /** What a cut value ends with. */
  static final String CUT = "\u2026";

  /**
   * {@code span} as the console keeps it: every value cut to the bounds above as it is copied, so that what
   * a client controls (a path, a user agent, an exception's message) cannot make one span large.
   */
  static ViewSpan of(SpanData span) {
    List<Map.Entry<String, String>> attributes = new ArrayList<>();
    span.getAttributes().forEach((AttributeKey<?> key, Object value) -> {
      if (attributes.size() < MAX_ATTRIBUTES) {
        attributes.add(Map.entry(cut(key.getKey(), MAX_NAME), cut(String.valueOf(value), MAX_VALUE)));
      }
    });
    for (EventData event : span.getEvents()) {
      if (attributes.size() == MAX_ATTRIBUTES) {
        break;
      }
      StringBuilder fields = new StringBuilder();
      event.getAttributes().forEach((AttributeKey<?> key, Object value) -> {
        if (fields.length() <= MAX_EVENT) {
          fields.append(fields.length() == 0 ? "" : "\n").append(key.getKey()).append(": ").append(value);
        }
      });
      attributes.add(Map.entry(EVENT + cut(event.getName(), MAX_NAME), cut(fields.toString(), MAX_EVENT)));
    }
    String description = span.getStatus().getDescription();
    return new ViewSpan(
        span.getSpanId(),
        span.getParentSpanContext().isValid() ? span.getParentSpanId() : "",
        cut(Trace.service(span), MAX_NAME),
        cut(span.getName(), MAX_NAME),
        span.getKind().name().toLowerCase(Locale.ROOT),
        span.getStartEpochNanos(),
        span.getEndEpochNanos(),
        span.getStatus().getStatusCode() == StatusCode.ERROR,
        description == null ? "" : cut(description, MAX_VALUE),
        List.copyOf(attributes));
  }

  /** {@code text}, or its first {@code max} characters and {@link #CUT} (a substring: nothing of the rest is kept). */
  static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + CUT;
  }

  /**
   * An upper bound of the heap this span holds: every string counted at two bytes a character (as if none
   * were Latin-1) plus its object headers, and the record, list and entries around them.
   */
  long bytes() {
    long bytes = 160 + string(spanId) + string(parentSpanId) + string(service) + string(name) + string(kind)
        + string(status);
    for (Map.Entry<String, String> attribute : attributes) {
      bytes += 48 + string(attribute.getKey()) + string(attribute.getValue());
    }
    return bytes;
  }

  private static long string(String text) {
    return 56 + 2L * text.length();
  }

  /** The first value of attribute {@code key}, or null. */
  @Nullable String attribute(String key) {
    for (Map.Entry<String, String> attribute : attributes) {
      if (attribute.getKey().equals(key)) {
        return attribute.getValue();
      }
    }
    return null;
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
