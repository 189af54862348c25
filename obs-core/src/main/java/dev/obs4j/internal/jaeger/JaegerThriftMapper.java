/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.SpanRef;
import io.jaegertracing.thriftjava.SpanRefType;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.common.ValueType;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Internal, not for public use. Maps OpenTelemetry spans to the Jaeger Thrift model the way Jaeger's own
 * clients and the former OpenTelemetry Jaeger exporter did: 128-bit trace ids split in high and low halves,
 * a {@code CHILD_OF} reference to the parent, {@code FOLLOWS_FROM} for links, microsecond times, the
 * {@code span.kind}, {@code otel.status_code} and {@code error=true} tags, the instrumentation scope as both
 * {@code otel.scope.*} and the older {@code otel.library.*} (which existing Jaeger searches use), the counts
 * of attributes, events and links that span limits dropped ({@code otel.dropped_*_count}, and
 * {@code otel.event.dropped_attributes_count} per event), and events as logs.
 *
 * <p>Jaeger tags hold a string, a boolean, a long, a double or bytes. Arrays and structured
 * {@code Value} attributes travel as JSON text; bytes as a {@code BINARY} tag. JSON has no NaN or infinity,
 * so those are written as the strings {@code "NaN"}, {@code "Infinity"} and {@code "-Infinity"}, as
 * OpenTelemetry's own JSON encoding of values does.
 */
public final class JaegerThriftMapper {
  static final String CLIENT_VERSION = "obs4j-Java-" + version();

  private JaegerThriftMapper() {}

  private static String version() {
    String v = JaegerThriftMapper.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** The process: service name, Jaeger client tags (version, hostname, ip) and the resource attributes. */
  public static Process toProcess(Resource resource, String hostname, String ip) {
    String service = resource.getAttribute(AttributeKey.stringKey("service.name"));
    Process process = new Process(service == null ? "unknown_service:java" : service);
    List<Tag> tags = new ArrayList<>();
    tags.add(stringTag("jaeger.version", CLIENT_VERSION));
    tags.add(stringTag("hostname", hostname));
    tags.add(stringTag("ip", ip));
    addAttributes(tags, resource.getAttributes());
    process.setTags(tags);
    return process;
  }

  public static Span toSpan(SpanData span) {
    SpanContext context = span.getSpanContext();
    String traceId = context.getTraceId();
    long traceIdHigh = Long.parseUnsignedLong(traceId.substring(0, 16), 16);
    long traceIdLow = Long.parseUnsignedLong(traceId.substring(16), 16);
    SpanContext parent = span.getParentSpanContext();
    long parentSpanId = parent.isValid() ? Long.parseUnsignedLong(parent.getSpanId(), 16) : 0L;

    Span out =
        new Span(
            traceIdLow,
            traceIdHigh,
            Long.parseUnsignedLong(context.getSpanId(), 16),
            parentSpanId,
            span.getName(),
            context.isSampled() ? 1 : 0,
            TimeUnit.NANOSECONDS.toMicros(span.getStartEpochNanos()),
            TimeUnit.NANOSECONDS.toMicros(span.getEndEpochNanos() - span.getStartEpochNanos()));

    List<SpanRef> references = new ArrayList<>(1 + span.getLinks().size());
    if (parent.isValid()) {
      references.add(reference(SpanRefType.CHILD_OF, parent));
    }
    for (LinkData link : span.getLinks()) {
      references.add(reference(SpanRefType.FOLLOWS_FROM, link.getSpanContext()));
    }
    if (!references.isEmpty()) {
      out.setReferences(references);
    }

    List<Tag> tags = new ArrayList<>(span.getAttributes().size() + 8);
    addAttributes(tags, span.getAttributes());
    addCount(tags, "otel.dropped_attributes_count", span.getTotalAttributeCount() - span.getAttributes().size());
    addCount(tags, "otel.dropped_events_count", span.getTotalRecordedEvents() - span.getEvents().size());
    addCount(tags, "otel.dropped_links_count", span.getTotalRecordedLinks() - span.getLinks().size());
    if (span.getKind() != SpanKind.INTERNAL) {
      tags.add(stringTag("span.kind", span.getKind().name().toLowerCase(Locale.ROOT)));
    }
    StatusData status = span.getStatus();
    if (status.getStatusCode() != StatusCode.UNSET) {
      tags.add(stringTag("otel.status_code", status.getStatusCode().name()));
      if (!status.getDescription().isEmpty()) {
        tags.add(stringTag("otel.status_description", status.getDescription()));
      }
      if (status.getStatusCode() == StatusCode.ERROR) {
        tags.add(new Tag("error", TagType.BOOL).setVBool(true));
      }
    }
    InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
    tags.add(stringTag("otel.scope.name", scope.getName()));
    tags.add(stringTag("otel.library.name", scope.getName()));
    String scopeVersion = scope.getVersion();
    if (scopeVersion != null) {
      tags.add(stringTag("otel.scope.version", scopeVersion));
      tags.add(stringTag("otel.library.version", scopeVersion));
    }
    out.setTags(tags);

    if (!span.getEvents().isEmpty()) {
      List<Log> logs = new ArrayList<>(span.getEvents().size());
      for (EventData event : span.getEvents()) {
        List<Tag> fields = new ArrayList<>(event.getAttributes().size() + 2);
        fields.add(stringTag("event", event.getName()));
        addCount(fields, "otel.event.dropped_attributes_count", event.getDroppedAttributesCount());
        addAttributes(fields, event.getAttributes());
        logs.add(new Log(TimeUnit.NANOSECONDS.toMicros(event.getEpochNanos()), fields));
      }
      out.setLogs(logs);
    }
    return out;
  }

  private static SpanRef reference(SpanRefType type, SpanContext context) {
    String traceId = context.getTraceId();
    return new SpanRef(
        type,
        Long.parseUnsignedLong(traceId.substring(16), 16),
        Long.parseUnsignedLong(traceId.substring(0, 16), 16),
        Long.parseUnsignedLong(context.getSpanId(), 16));
  }

  private static Tag stringTag(String key, String value) {
    return new Tag(key, TagType.STRING).setVStr(value);
  }

  /** A LONG tag for a count of what span limits dropped, only when something was. */
  private static void addCount(List<Tag> tags, String key, int count) {
    if (count > 0) {
      tags.add(new Tag(key, TagType.LONG).setVLong(count));
    }
  }

  private static void addAttributes(List<Tag> tags, Attributes attributes) {
    attributes.forEach((key, value) -> tags.add(toTag(key, value)));
  }

  private static Tag toTag(AttributeKey<?> key, Object value) {
    switch (key.getType()) {
      case STRING:
        return stringTag(key.getKey(), (String) value);
      case BOOLEAN:
        return new Tag(key.getKey(), TagType.BOOL).setVBool((Boolean) value);
      case LONG:
        return new Tag(key.getKey(), TagType.LONG).setVLong((Long) value);
      case DOUBLE:
        return new Tag(key.getKey(), TagType.DOUBLE).setVDouble((Double) value);
      case VALUE:
        Value<?> any = (Value<?>) value;
        if (any.getType() == ValueType.BYTES) {
          return new Tag(key.getKey(), TagType.BINARY).setVBinary((ByteBuffer) any.getValue());
        }
        // JSON for arrays and maps (bytes inside them in base64), the plain text of a single value
        return stringTag(key.getKey(), any.asString());
      default:
        // Arrays: Jaeger has no array tag, so they travel as JSON text.
        return stringTag(key.getKey(), toJson(value));
    }
  }

  /** An array attribute as JSON text (Jaeger has no array tag). */
  static String toJson(Object value) {
    if (!(value instanceof List)) {
      return String.valueOf(value);
    }
    StringBuilder sb = new StringBuilder("[");
    for (Object item : (List<?>) value) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      if (item instanceof String) {
        appendJsonString(sb, (String) item);
      } else if (item instanceof Double && !Double.isFinite((Double) item)) {
        appendJsonString(sb, item.toString()); // NaN, Infinity, -Infinity
      } else {
        sb.append(item);
      }
    }
    return sb.append(']').toString();
  }

  private static void appendJsonString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c < 0x20) {
        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }
}
