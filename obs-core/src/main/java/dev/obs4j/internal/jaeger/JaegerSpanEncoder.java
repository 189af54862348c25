/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.common.ValueType;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Writes a span as jaeger-thrift's {@code Span} struct in Thrift compact encoding straight from the
 * {@link SpanData}, into one growing buffer that is reused from batch to batch: the bytes are those the
 * generated {@code Span} writes through libthrift's {@code TCompactProtocol} for
 * {@link JaegerThriftMapper#toSpan} (same fields, same order, same tags), without building the object graph
 * (a {@code Span}, a {@code Tag} per attribute, lists, and the UTF-8 copy of every string) for every span.
 * {@code JaegerSpanEncoderTest} holds the two to the same bytes for many span shapes. Not thread-safe: the
 * exporter, which owns one, is synchronized.
 */
final class JaegerSpanEncoder {
  // Thrift compact types (TCompactProtocol.Types)
  private static final int BOOLEAN_TRUE = 1;
  private static final int BOOLEAN_FALSE = 2;
  private static final int I32 = 5;
  private static final int I64 = 6;
  private static final int DOUBLE = 7;
  private static final int BINARY = 8;
  private static final int LIST = 9;
  private static final int STRUCT = 12;

  // jaeger-thrift's TagType and SpanRefType values
  private static final int TAG_STRING = 0;
  private static final int TAG_DOUBLE = 1;
  private static final int TAG_BOOL = 2;
  private static final int TAG_LONG = 3;
  private static final int TAG_BINARY = 4;
  private static final int CHILD_OF = 0;
  private static final int FOLLOWS_FROM = 1;

  private static final String[] KIND_NAMES = new String[SpanKind.values().length];

  static {
    for (SpanKind kind : SpanKind.values()) {
      KIND_NAMES[kind.ordinal()] = kind.name().toLowerCase(Locale.ROOT);
    }
  }

  /** The value of each hex digit ('0'-'9', 'a'-'f', 'A'-'F') by its char; 0 for every other char below 256. */
  private static final byte[] HEX_DIGITS = new byte[256];

  static {
    for (int i = 0; i < 16; i++) {
      HEX_DIGITS["0123456789abcdef".charAt(i)] = (byte) i;
      HEX_DIGITS["0123456789ABCDEF".charAt(i)] = (byte) i;
    }
  }

  // Tags every span carries, written once here: whole tags, or a string tag up to its value's length
  private static final byte[][] KIND_TAGS = new byte[SpanKind.values().length][];
  private static final byte[][] STATUS_CODE_TAGS = new byte[StatusCode.values().length][];
  private static final byte[] ERROR_TAG;
  private static final byte[] SCOPE_NAME_PREFIX;
  private static final byte[] LIBRARY_NAME_PREFIX;
  private static final byte[] SCOPE_VERSION_PREFIX;
  private static final byte[] LIBRARY_VERSION_PREFIX;
  private static final byte[] EVENT_PREFIX;

  static {
    for (SpanKind kind : SpanKind.values()) {
      KIND_TAGS[kind.ordinal()] = constant(e -> e.writeStringTag("span.kind", KIND_NAMES[kind.ordinal()]));
    }
    for (StatusCode code : StatusCode.values()) {
      STATUS_CODE_TAGS[code.ordinal()] = constant(e -> e.writeStringTag("otel.status_code", code.name()));
    }
    ERROR_TAG = constant(e -> e.writeBoolTag("error", true));
    SCOPE_NAME_PREFIX = constant(e -> e.stringTagPrefix("otel.scope.name"));
    LIBRARY_NAME_PREFIX = constant(e -> e.stringTagPrefix("otel.library.name"));
    SCOPE_VERSION_PREFIX = constant(e -> e.stringTagPrefix("otel.scope.version"));
    LIBRARY_VERSION_PREFIX = constant(e -> e.stringTagPrefix("otel.library.version"));
    EVENT_PREFIX = constant(e -> e.stringTagPrefix("event"));
  }

  private static byte[] constant(Consumer<JaegerSpanEncoder> write) {
    JaegerSpanEncoder encoder = new JaegerSpanEncoder();
    write.accept(encoder);
    return Arrays.copyOf(encoder.buffer, encoder.size);
  }

  /** Buffers above this size are given back after a batch, so that one huge span does not stay in memory. */
  private static final int KEEP_CAPACITY = 256 * 1024;

  private byte[] buffer = new byte[8192];
  private int size;

  /** One instance for every attribute set, so that {@code forEach} allocates nothing per span. */
  private final BiConsumer<AttributeKey<?>, Object> writeTag = this::writeAttribute;

  /** The bytes written so far; valid up to {@link #size()}, replaced when the buffer grows. */
  byte[] buffer() {
    return buffer;
  }

  int size() {
    return size;
  }

  /** Forgets what was written, keeping the buffer unless it grew beyond {@link #KEEP_CAPACITY}. */
  void reset() {
    size = 0;
    if (buffer.length > KEEP_CAPACITY) {
      buffer = new byte[8192];
    }
  }

  /** Drops what was written after {@code position}. */
  void truncate(int position) {
    size = position;
  }

  /** Moves the bytes {@code [from, size)} to the start of the buffer. */
  void compact(int from) {
    System.arraycopy(buffer, from, buffer, 0, size - from);
    size -= from;
  }

  /** Appends bytes encoded elsewhere (a span shortened through the Thrift objects). */
  void writeBytes(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buffer, size, bytes.length);
    size += bytes.length;
  }

  /** Appends {@code span} as a compact {@code Span} struct. */
  void writeSpan(SpanData span) {
    SpanContext context = span.getSpanContext();
    String traceId = context.getTraceId();
    SpanContext parent = span.getParentSpanContext();
    boolean hasParent = parent.isValid();

    fieldI64(1, hex(traceId, 16)); // traceIdLow
    fieldI64(1, hex(traceId, 0)); // traceIdHigh
    fieldI64(1, hex(context.getSpanId(), 0)); // spanId
    fieldI64(1, hasParent ? hex(parent.getSpanId(), 0) : 0L); // parentSpanId
    fieldHeader(1, BINARY); // operationName
    writeString(span.getName());

    List<LinkData> links = span.getLinks();
    int references = (hasParent ? 1 : 0) + links.size();
    int delta = 2; // from operationName (5) to flags (7)
    if (references > 0) {
      fieldHeader(1, LIST); // references (6)
      listHeader(references, STRUCT);
      if (hasParent) {
        writeReference(CHILD_OF, parent);
      }
      for (int i = 0; i < links.size(); i++) {
        writeReference(FOLLOWS_FROM, links.get(i).getSpanContext());
      }
      delta = 1;
    }
    fieldHeader(delta, I32); // flags
    writeVarint32(zigzag32(context.isSampled() ? 1 : 0));
    fieldI64(1, micros(span.getStartEpochNanos())); // startTime
    fieldI64(1, micros(span.getEndEpochNanos() - span.getStartEpochNanos())); // duration

    fieldHeader(1, LIST); // tags (10)
    writeTags(span);

    List<EventData> events = span.getEvents();
    if (!events.isEmpty()) {
      fieldHeader(1, LIST); // logs (11)
      listHeader(events.size(), STRUCT);
      for (int i = 0; i < events.size(); i++) {
        writeLog(events.get(i));
      }
    }
    writeByte(0); // stop
  }

  private void writeTags(SpanData span) {
    Attributes attributes = span.getAttributes();
    int droppedAttributes = span.getTotalAttributeCount() - attributes.size();
    int droppedEvents = span.getTotalRecordedEvents() - span.getEvents().size();
    int droppedLinks = span.getTotalRecordedLinks() - span.getLinks().size();
    StatusData status = span.getStatus();
    StatusCode code = status.getStatusCode();
    InstrumentationScopeInfo scope = span.getInstrumentationScopeInfo();
    String scopeVersion = scope.getVersion();

    int count = attributes.size()
        + (droppedAttributes > 0 ? 1 : 0) + (droppedEvents > 0 ? 1 : 0) + (droppedLinks > 0 ? 1 : 0)
        + (span.getKind() != SpanKind.INTERNAL ? 1 : 0)
        + (code != StatusCode.UNSET ? 1 + (status.getDescription().isEmpty() ? 0 : 1) + (code == StatusCode.ERROR ? 1 : 0) : 0)
        + 2 + (scopeVersion != null ? 2 : 0);
    listHeader(count, STRUCT);
    attributes.forEach(writeTag);
    writeCount("otel.dropped_attributes_count", droppedAttributes);
    writeCount("otel.dropped_events_count", droppedEvents);
    writeCount("otel.dropped_links_count", droppedLinks);
    if (span.getKind() != SpanKind.INTERNAL) {
      writeBytes(KIND_TAGS[span.getKind().ordinal()]);
    }
    if (code != StatusCode.UNSET) {
      writeBytes(STATUS_CODE_TAGS[code.ordinal()]);
      if (!status.getDescription().isEmpty()) {
        writeStringTag("otel.status_description", status.getDescription());
      }
      if (code == StatusCode.ERROR) {
        writeBytes(ERROR_TAG);
      }
    }
    writeStringTag(SCOPE_NAME_PREFIX, scope.getName());
    writeStringTag(LIBRARY_NAME_PREFIX, scope.getName());
    if (scopeVersion != null) {
      writeStringTag(SCOPE_VERSION_PREFIX, scopeVersion);
      writeStringTag(LIBRARY_VERSION_PREFIX, scopeVersion);
    }
  }

  private void writeLog(EventData event) {
    fieldI64(1, micros(event.getEpochNanos())); // timestamp
    fieldHeader(1, LIST); // fields
    Attributes attributes = event.getAttributes();
    int dropped = event.getDroppedAttributesCount();
    listHeader(1 + (dropped > 0 ? 1 : 0) + attributes.size(), STRUCT);
    writeStringTag(EVENT_PREFIX, event.getName());
    writeCount("otel.event.dropped_attributes_count", dropped);
    attributes.forEach(writeTag);
    writeByte(0);
  }

  private void writeReference(int type, SpanContext context) {
    String traceId = context.getTraceId();
    fieldHeader(1, I32); // refType
    writeVarint32(zigzag32(type));
    fieldI64(1, hex(traceId, 16)); // traceIdLow
    fieldI64(1, hex(traceId, 0)); // traceIdHigh
    fieldI64(1, hex(context.getSpanId(), 0)); // spanId
    writeByte(0);
  }

  private void writeAttribute(AttributeKey<?> key, Object value) {
    String name = key.getKey();
    switch (key.getType()) {
      case STRING -> writeStringTag(name, (String) value);
      case BOOLEAN -> writeBoolTag(name, (Boolean) value);
      case LONG -> writeLongTag(name, (Long) value);
      case DOUBLE -> {
        tagHeader(name, TAG_DOUBLE);
        fieldHeader(2, DOUBLE); // vDouble (4)
        long bits = Double.doubleToLongBits((Double) value);
        ensure(8);
        for (int i = 0; i < 8; i++) {
          buffer[size++] = (byte) (bits >>> (8 * i));
        }
        writeByte(0);
      }
      case VALUE -> {
        Value<?> any = (Value<?>) value;
        if (any.getType() == ValueType.BYTES) {
          ByteBuffer bytes = (ByteBuffer) any.getValue();
          tagHeader(name, TAG_BINARY);
          fieldHeader(5, BINARY); // vBinary (7)
          int length = bytes.remaining();
          writeVarint32(length);
          ensure(length);
          for (int i = 0; i < length; i++) {
            buffer[size++] = bytes.get(bytes.position() + i);
          }
          writeByte(0);
        } else {
          writeStringTag(name, any.asString());
        }
      }
      default -> writeStringTag(name, JaegerThriftMapper.toJson(value));
    }
  }

  private void writeCount(String key, int count) {
    if (count > 0) {
      writeLongTag(key, count);
    }
  }

  private void writeStringTag(String key, String value) {
    stringTagPrefix(key);
    writeString(value);
    writeByte(0);
  }

  /** A string tag whose key, type and value field header were written once, into {@code prefix}. */
  private void writeStringTag(byte[] prefix, String value) {
    writeBytes(prefix);
    writeString(value);
    writeByte(0);
  }

  /** A string tag up to its value: key, vType and the vStr field header. */
  private void stringTagPrefix(String key) {
    tagHeader(key, TAG_STRING);
    fieldHeader(1, BINARY); // vStr (3)
  }

  private void writeBoolTag(String key, boolean value) {
    tagHeader(key, TAG_BOOL);
    fieldHeader(3, value ? BOOLEAN_TRUE : BOOLEAN_FALSE); // vBool (5): the value is in the type
    writeByte(0);
  }

  private void writeLongTag(String key, long value) {
    tagHeader(key, TAG_LONG);
    fieldHeader(4, I64); // vLong (6)
    writeVarint64(zigzag64(value));
    writeByte(0);
  }

  /** A tag's key (1) and vType (2); the value field follows, then the stop byte. */
  private void tagHeader(String key, int type) {
    fieldHeader(1, BINARY);
    writeString(key);
    fieldHeader(1, I32);
    writeVarint32(zigzag32(type));
  }

  private void fieldI64(int delta, long value) {
    fieldHeader(delta, I64);
    writeVarint64(zigzag64(value));
  }

  /** A field whose id is {@code delta} (1 to 15) above the previous field's, in one byte. */
  private void fieldHeader(int delta, int type) {
    writeByte((delta << 4) | type);
  }

  private void listHeader(int count, int type) {
    if (count <= 14) {
      writeByte((count << 4) | type);
    } else {
      writeByte(0xf0 | type);
      writeVarint32(count);
    }
  }

  /** A string as libthrift writes it: the varint length of its UTF-8 form, then the bytes. */
  private void writeString(String s) {
    int length = s.length();
    int ascii = 0;
    while (ascii < length && s.charAt(ascii) < 0x80) {
      ascii++;
    }
    int utf8 = ascii == length ? length : ascii + utf8Length(s, ascii);
    writeVarint32(utf8);
    ensure(utf8);
    byte[] b = buffer;
    int at = size;
    for (int i = 0; i < ascii; i++) {
      b[at++] = (byte) s.charAt(i);
    }
    for (int i = ascii; i < length; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        b[at++] = (byte) c;
      } else if (c < 0x800) {
        b[at++] = (byte) (0xc0 | (c >> 6));
        b[at++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
          int cp = Character.toCodePoint(c, s.charAt(++i));
          b[at++] = (byte) (0xf0 | (cp >> 18));
          b[at++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
          b[at++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
          b[at++] = (byte) (0x80 | (cp & 0x3f));
        } else {
          b[at++] = '?'; // what String.getBytes(UTF_8) writes for a lone surrogate
        }
      } else {
        b[at++] = (byte) (0xe0 | (c >> 12));
        b[at++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[at++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    size = at;
  }

  /** The UTF-8 length of {@code s} from {@code from} on. */
  private static int utf8Length(String s, int from) {
    int length = s.length();
    int bytes = length - from;
    for (int i = from; i < length; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          bytes += 1;
        } else if (Character.isSurrogate(c)) {
          if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
            bytes += 2; // four bytes for the two chars
            i++;
          }
          // a lone surrogate is one '?'
        } else {
          bytes += 2;
        }
      }
    }
    return bytes;
  }

  private void writeVarint32(int n) {
    ensure(5);
    while ((n & ~0x7f) != 0) {
      buffer[size++] = (byte) ((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    buffer[size++] = (byte) n;
  }

  private void writeVarint64(long n) {
    ensure(10);
    while ((n & ~0x7fL) != 0) {
      buffer[size++] = (byte) ((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    buffer[size++] = (byte) n;
  }

  private static int zigzag32(int n) {
    return (n << 1) ^ (n >> 31);
  }

  private static long zigzag64(long n) {
    return (n << 1) ^ (n >> 63);
  }

  private void writeByte(int b) {
    ensure(1);
    buffer[size++] = (byte) b;
  }

  private void ensure(int more) {
    if (size + more > buffer.length) {
      buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
    }
  }

  private static long micros(long nanos) {
    return nanos / 1000; // TimeUnit.NANOSECONDS.toMicros for the values a span holds (no overflow)
  }

  /**
   * 16 hex digits of {@code id} from {@code from}, as {@code Long.parseUnsignedLong(.., 16)} reads them: one
   * table read per digit instead of {@code Character.digit}, whose Unicode lookup issue 24's JFR profile of
   * the export thread put among its hottest frames. A {@code SpanContext} holds only valid lower-case ids;
   * any other char reads as 0 here ({@code & 0xff} keeps the index in the table), never as an exception.
   */
  private static long hex(String id, int from) {
    long value = 0;
    for (int i = from; i < from + 16; i++) {
      value = (value << 4) | HEX_DIGITS[id.charAt(i) & 0xff];
    }
    return value;
  }
}
