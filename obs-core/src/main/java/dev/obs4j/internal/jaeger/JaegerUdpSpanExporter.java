/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import dev.obs4j.internal.BoundedSpanProcessor;
import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.internal.ThrottledLogger;
import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Process;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import io.micrometer.core.instrument.Counter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.protocol.TMessageType;
import org.apache.thrift.protocol.TStruct;
import org.apache.thrift.protocol.TType;
import org.apache.thrift.transport.TMemoryBuffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. Sends spans to a Jaeger agent (or Jaeger v2) as the agent's
 * {@code Agent.emitBatch} call in Thrift compact encoding over UDP, in datagrams of at most
 * {@value #MAX_DATAGRAM} bytes.
 *
 * <p>Written here because the discontinued {@code opentelemetry-exporter-jaeger-thrift} does not run on
 * current SDKs, drops any batch over 65,000 bytes whole and then sends corrupt datagrams from a buffer it never
 * clears. Here every span is encoded once, on its own, by {@link JaegerSpanEncoder} straight from the
 * {@code SpanData} into a buffer reused from batch to batch (the same bytes jaeger-thrift's generated model
 * writes through libthrift's {@link TCompactProtocol}, without that object graph per span), and the datagrams
 * are assembled from those bytes: the envelope (message header, {@code emitBatch_args}, {@code Batch},
 * {@code Process}) is written once by libthrift, and a compact-encoded struct does not depend on what precedes
 * it, so a batch that would exceed the limit is split exactly where it must be. The datagram and its packet
 * are reused too; the exporter is synchronized.
 *
 * <p>A span too large on its own (typically an error span with a deep stack trace) is shortened rather than
 * lost: its longest string values, stack traces first, are cut and end with {@value #TRUNCATION_MARKER}, and
 * the span gets the tag {@code otel.obs4j.truncated=true}. Only a span that still does not fit is dropped.
 *
 * <p>The agent's host name is resolved again every 30 seconds, as Jaeger's own clients do, and the socket
 * reconnected when the address changed: an agent that moves (a DaemonSet pod or a sidecar restarted) is
 * found again without waiting for an ICMP error that may never come.
 *
 * <p>For each batch the exporter reports to {@link BoundedSpanProcessor} how many spans it lost and why
 * ({@code too_large}, {@code encode_failed}, {@code send_failed} for the spans of a datagram that could not
 * be sent); the spans of the datagrams that went out count as exported.
 */
public final class JaegerUdpSpanExporter implements SpanExporter, BoundedSpanProcessor.CountingExporter {
  /** The largest datagram Jaeger agents read (their UDP server's buffer is 65,000 bytes). */
  public static final int MAX_DATAGRAM = 65_000;

  /** How often the agent's host name is resolved again. */
  static final Duration RESOLVE_INTERVAL = Duration.ofSeconds(30);

  /** The end of every value shortened to make a span fit in a datagram. */
  static final String TRUNCATION_MARKER = "... [truncated by obs4j]";

  /** The tag on a span whose values were shortened. */
  static final String TRUNCATED_TAG = "otel.obs4j.truncated";

  /** Values are never shortened below this many characters. */
  private static final int MIN_KEPT_CHARS = 128;

  /** More than the encoded {@link #TRUNCATED_TAG} tag takes, so that the first shortening usually fits. */
  private static final int TRUNCATED_TAG_BYTES = 64;

  /** Stop bytes after the span list: the end of {@code Batch} and of {@code emitBatch_args}. */
  private static final int SUFFIX_LENGTH = 2;

  /** The compact element type of the span list: structs. */
  private static final int STRUCT_ELEMENTS = 12;

  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(JaegerUdpSpanExporter.class));

  /** Resolves the agent's host name: {@link InetAddress#getByName}, or a stand-in in tests. */
  interface Resolver {
    InetAddress resolve(String host) throws UnknownHostException;
  }

  private final String host;
  private final int port;
  private final Resource resource;
  private final int maxDatagram;
  private final Resolver resolver;
  private final long resolveIntervalNanos;
  private final Counter truncated;
  private final Counter datagramsSent;
  private final Counter datagramsFailed;
  private final Counter bytesSent;
  private @Nullable DatagramSocket socket;
  private @Nullable InetAddress connectedTo;
  private long resolvedAt;
  private byte @Nullable [] prefix;
  private volatile boolean shutdown;
  /** Reused from batch to batch (the exporter is synchronized): the spans' bytes and the datagram's. */
  private final JaegerSpanEncoder spanBuffer = new JaegerSpanEncoder();
  private byte[] datagram = new byte[0];

  public JaegerUdpSpanExporter(String host, int port, Resource resource, SelfMetrics metrics) {
    this(host, port, resource, metrics, MAX_DATAGRAM, InetAddress::getByName, RESOLVE_INTERVAL);
  }

  JaegerUdpSpanExporter(
      String host,
      int port,
      Resource resource,
      SelfMetrics metrics,
      int maxDatagram,
      Resolver resolver,
      Duration resolveInterval) {
    this.host = host;
    this.port = port;
    this.resource = resource;
    this.maxDatagram = maxDatagram;
    this.resolver = resolver;
    this.resolveIntervalNanos = resolveInterval.toNanos();
    this.truncated = metrics.truncated();
    this.datagramsSent = metrics.datagrams("sent");
    this.datagramsFailed = metrics.datagrams("failed");
    this.bytesSent = metrics.datagramBytes();
  }

  /** Succeeds when every span was sent; {@link #exportCounting} tells which were not. */
  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    return exportCounting(spans).isEmpty()
        ? CompletableResultCode.ofSuccess()
        : CompletableResultCode.ofFailure();
  }

  @Override
  public synchronized Map<String, Integer> exportCounting(Collection<SpanData> spans) {
    Map<String, Integer> drops = new HashMap<>();
    if (shutdown) {
      drops.put(SelfMetrics.DROP_SHUTDOWN, spans.size());
      return drops;
    }
    try {
      encode(spans, drops, (datagram, length, count) -> {
        if (!send(datagram, length)) {
          drops.merge(SelfMetrics.DROP_SEND_FAILED, count, Integer::sum);
        }
      });
    } catch (TException | RuntimeException e) {
      log.error("jaeger-encode", "Cannot encode the Jaeger process; " + spans.size() + " spans lost", e);
      drops.clear();
      drops.put(SelfMetrics.DROP_ENCODE_FAILED, spans.size());
    }
    return drops;
  }

  /** Receives each datagram: its bytes (valid only during the call) and how many spans it holds. */
  @FunctionalInterface
  public interface DatagramConsumer {
    void accept(byte[] datagram, int length, int spans);
  }

  /**
   * Encodes {@code spans} into {@code emitBatch} datagrams of at most the size limit, shortening or dropping
   * any span too large on its own. Public for the encoding benchmark and the tests.
   */
  public List<byte[]> encodeDatagrams(Collection<SpanData> spans) throws TException {
    List<byte[]> out = new ArrayList<>();
    encodeDatagrams(spans, (datagram, length, count) -> out.add(Arrays.copyOf(datagram, length)));
    return out;
  }

  /**
   * Encodes {@code spans} as the exporter does before sending, handing each datagram to {@code consumer} from
   * the exporter's reused buffer. Public for the encoding benchmark.
   */
  public synchronized void encodeDatagrams(Collection<SpanData> spans, DatagramConsumer consumer)
      throws TException {
    encode(spans, new HashMap<>(), consumer);
  }

  /**
   * Encodes {@code spans} straight into the reused span buffer and hands a datagram to {@code consumer}
   * whenever the next span would not fit in it, then the last one; adds to {@code drops} the spans it
   * cannot encode or fit. A span too large on its own is mapped to Thrift objects and shortened there.
   */
  private void encode(Collection<SpanData> spans, Map<String, Integer> drops, DatagramConsumer consumer)
      throws TException {
    byte[] envelope = prefix();
    int room = maxDatagram - envelope.length - SUFFIX_LENGTH;
    JaegerSpanEncoder buffer = spanBuffer;
    buffer.reset();
    int pending = 0; // spans in the buffer, not yet sent
    try {
      for (SpanData span : spans) {
        int start = buffer.size();
        try {
          buffer.writeSpan(span);
          int length = buffer.size() - start;
          if (length + listHeaderLength(1) > room) {
            buffer.truncate(start);
            byte[] shortened =
                shorten(span.getName(), JaegerThriftMapper.toSpan(span), length, room - listHeaderLength(1));
            if (shortened == null) {
              drops.merge(SelfMetrics.DROP_TOO_LARGE, 1, Integer::sum);
              continue;
            }
            buffer.writeBytes(shortened);
          }
        } catch (TException | RuntimeException e) {
          buffer.truncate(start);
          drops.merge(SelfMetrics.DROP_ENCODE_FAILED, 1, Integer::sum);
          log.error("jaeger-encode", "Cannot encode span '" + span.getName() + "'; it is lost", e);
          continue;
        }
        if (pending > 0 && buffer.size() + listHeaderLength(pending + 1) > room) {
          emit(envelope, buffer, start, pending, consumer);
          buffer.compact(start);
          pending = 0;
        }
        pending++;
      }
      if (pending > 0) {
        emit(envelope, buffer, buffer.size(), pending, consumer);
      }
    } finally {
      buffer.reset();
    }
  }

  /** Hands {@code consumer} the datagram of the first {@code count} spans, {@code spanBytes} in the buffer. */
  private void emit(byte[] envelope, JaegerSpanEncoder spans, int spanBytes, int count, DatagramConsumer consumer) {
    int header = listHeaderLength(count);
    int length = envelope.length + header + spanBytes + SUFFIX_LENGTH;
    byte[] out = datagram;
    if (out.length < length) {
      out = new byte[length];
      datagram = out;
    }
    System.arraycopy(envelope, 0, out, 0, envelope.length);
    int at = envelope.length;
    if (header == 1) {
      out[at++] = (byte) ((count << 4) | STRUCT_ELEMENTS);
    } else {
      out[at++] = (byte) (0xf0 | STRUCT_ELEMENTS);
      for (int v = count; ; v >>>= 7) {
        if ((v & ~0x7f) == 0) {
          out[at++] = (byte) v;
          break;
        }
        out[at++] = (byte) ((v & 0x7f) | 0x80);
      }
    }
    System.arraycopy(spans.buffer(), 0, out, at, spanBytes);
    at += spanBytes;
    out[at++] = 0; // end of Batch
    out[at] = 0; // end of emitBatch_args
    consumer.accept(out, length, count);
  }

  /**
   * Shortens the longest string values of {@code span}, which encodes to {@code size} bytes, until it
   * encodes to at most {@code room}: exception stack traces first, then the other log fields and tags,
   * longest first, each only as much as needed and never below {@value #MIN_KEPT_CHARS} characters. Returns
   * the new encoding, or null when the span cannot be made to fit (logged).
   */
  private byte @Nullable [] shorten(String name, Span span, int size, int room) throws TException {
    List<LongValue> values = longValues(span);
    span.addToTags(new Tag(TRUNCATED_TAG, TagType.BOOL).setVBool(true));
    int excess = size + TRUNCATED_TAG_BYTES - room;
    int encodedSize = size;
    // A round removes at least its estimate; more rounds only correct for what the estimate cannot see.
    for (int round = 0; round < 3; round++) {
      boolean changed = false;
      for (LongValue value : values) {
        if (excess <= 0) {
          break;
        }
        int saved = value.shortenBy(excess);
        if (saved > 0) {
          excess -= saved;
          changed = true;
        }
      }
      if (!changed) {
        break;
      }
      byte[] bytes = encode(span);
      encodedSize = bytes.length;
      if (encodedSize <= room) {
        truncated.increment();
        log.warn(
            "jaeger-truncated",
            "Span '" + name + "' encodes to " + size + " bytes, more than a Jaeger datagram holds ("
                + maxDatagram + "); its longest values were shortened to fit (they end with '"
                + TRUNCATION_MARKER + "', the span has the tag " + TRUNCATED_TAG + "=true). Export OTLP to"
                + " keep them whole.",
            null);
        return bytes;
      }
      excess = encodedSize - room;
    }
    log.error(
        "jaeger-too-large",
        "Span '" + name + "' encodes to " + size + " bytes (" + encodedSize + " with its longest values"
            + " shortened), more than a Jaeger datagram holds (" + maxDatagram + "); it is dropped. Trim its"
            + " attributes or events (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_EVENT_COUNT_LIMIT), or export"
            + " OTLP.",
        null);
    return null;
  }

  /** The string values worth shortening: stack traces first, then the rest; longest first in each group. */
  private static List<LongValue> longValues(Span span) {
    List<LongValue> stackTraces = new ArrayList<>();
    List<LongValue> others = new ArrayList<>();
    if (span.getLogs() != null) {
      for (Log entry : span.getLogs()) {
        for (Tag field : entry.getFields()) {
          addIfLong("exception.stacktrace".equals(field.getKey()) ? stackTraces : others, field);
        }
      }
    }
    if (span.getTags() != null) {
      for (Tag tag : span.getTags()) {
        addIfLong(others, tag);
      }
    }
    Comparator<LongValue> longestFirst =
        Comparator.comparingInt((LongValue v) -> v.original.length()).reversed();
    stackTraces.sort(longestFirst);
    others.sort(longestFirst);
    stackTraces.addAll(others);
    return stackTraces;
  }

  private static void addIfLong(List<LongValue> values, Tag tag) {
    String value = tag.getVStr();
    if (tag.getVType() == TagType.STRING
        && value != null
        && value.length() > MIN_KEPT_CHARS + TRUNCATION_MARKER.length()) {
      values.add(new LongValue(tag, value));
    }
  }

  /** A string tag or log field and how much of its original value it keeps. */
  private static final class LongValue {
    final Tag tag;
    final String original;
    int kept;

    LongValue(Tag tag, String original) {
      this.tag = tag;
      this.original = original;
      this.kept = original.length();
    }

    /**
     * Shortens the value by about {@code bytes} encoded bytes, not below {@value #MIN_KEPT_CHARS}
     * characters, and returns how many bytes that saves at least (each character removed is at least one
     * UTF-8 byte), or 0 when it cannot be shortened further.
     */
    int shortenBy(int bytes) {
      int marker = kept == original.length() ? TRUNCATION_MARKER.length() : 0;
      int keep = Math.max(MIN_KEPT_CHARS, kept - bytes - marker);
      if (Character.isHighSurrogate(original.charAt(keep - 1))) {
        keep--; // do not split a surrogate pair
      }
      int saved = kept - keep - marker;
      if (saved <= 0) {
        return 0;
      }
      kept = keep;
      tag.setVStr(original.substring(0, keep) + TRUNCATION_MARKER);
      return saved;
    }
  }

  /** Sends one datagram; false (logged and counted) when it could not be sent. */
  private boolean send(byte[] datagram, int length) {
    try {
      // a packet per datagram (one small object per ~200 spans): a connected socket stamps its address on the
      // packet, and a reused packet would then not go to the agent's next address
      socket().send(new DatagramPacket(datagram, 0, length));
      datagramsSent.increment();
      bytesSent.increment(length);
      return true;
    } catch (IOException | RuntimeException e) {
      datagramsFailed.increment();
      closeSocket(); // resolve and connect afresh next time
      log.warn(
          "jaeger-send",
          "Cannot send spans to the Jaeger agent at " + host + ":" + port + " (JAEGER_AGENT_HOST/PORT)",
          e);
      return false;
    }
  }

  /**
   * The socket, connected to the agent: connected, so that on loopback and most networks an agent that is not
   * listening shows up as a failure (ICMP port unreachable) on a later send, and is counted. The host name
   * is resolved again once {@link #RESOLVE_INTERVAL} has passed, and the socket reconnected if the address
   * changed; when resolving fails, the last address is kept.
   */
  private DatagramSocket socket() throws IOException {
    DatagramSocket current = socket;
    long now = System.nanoTime();
    if (current != null && now - resolvedAt < resolveIntervalNanos) {
      return current;
    }
    InetAddress address;
    try {
      address = resolver.resolve(host);
    } catch (UnknownHostException | RuntimeException e) {
      if (current == null) {
        throw e;
      }
      resolvedAt = now;
      log.warn(
          "jaeger-resolve",
          "Cannot resolve the Jaeger agent host " + host + " again; still sending to " + connectedTo,
          e);
      return current;
    }
    resolvedAt = now;
    if (current != null && address.equals(connectedTo)) {
      return current;
    }
    closeSocket();
    DatagramSocket fresh = new DatagramSocket();
    try {
      fresh.connect(new InetSocketAddress(address, port));
    } catch (IOException | RuntimeException e) {
      fresh.close();
      throw e;
    }
    socket = fresh;
    connectedTo = address;
    return fresh;
  }

  private void closeSocket() {
    DatagramSocket s = socket;
    if (s != null) {
      s.close();
      socket = null;
      connectedTo = null;
    }
  }

  /** The bytes before the span list header; the process is fixed, so this is computed once. */
  private byte[] prefix() throws TException {
    byte[] p = prefix;
    if (p == null) {
      TMemoryBuffer buffer = new TMemoryBuffer(512);
      TCompactProtocol protocol = new TCompactProtocol(buffer);
      protocol.writeMessageBegin(new TMessage("emitBatch", TMessageType.ONEWAY, 0));
      protocol.writeStructBegin(new TStruct("emitBatch_args"));
      protocol.writeFieldBegin(new TField("batch", TType.STRUCT, (short) 1));
      protocol.writeStructBegin(new TStruct("Batch"));
      protocol.writeFieldBegin(new TField("process", TType.STRUCT, (short) 1));
      process().write(protocol);
      protocol.writeFieldEnd();
      protocol.writeFieldBegin(new TField("spans", TType.LIST, (short) 2));
      p = copy(buffer);
      prefix = p;
    }
    return p;
  }

  private Process process() {
    String hostname = "unknown";
    String ip = "0.0.0.0";
    try {
      InetAddress local = InetAddress.getLocalHost();
      hostname = local.getHostName();
      ip = local.getHostAddress();
    } catch (UnknownHostException | SecurityException e) {
      log.warn("jaeger-hostname", "Cannot resolve the local host name for the Jaeger process tags", e);
    }
    return JaegerThriftMapper.toProcess(resource, hostname, ip);
  }

  private static byte[] encode(TBase<?, ?> struct) throws TException {
    TMemoryBuffer buffer = new TMemoryBuffer(256);
    struct.write(new TCompactProtocol(buffer));
    return copy(buffer);
  }

  private static byte[] copy(TMemoryBuffer buffer) {
    byte[] out = new byte[buffer.length()];
    System.arraycopy(buffer.getArray(), 0, out, 0, out.length);
    return out;
  }

  /** A compact list header is one byte for up to 14 elements, else one byte plus a varint. */
  static int listHeaderLength(int count) {
    if (count <= 14) {
      return 1;
    }
    int varint = 1;
    for (int v = count >>> 7; v != 0; v >>>= 7) {
      varint++;
    }
    return 1 + varint;
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    shutdown = true;
    closeSocket();
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return "JaegerUdpSpanExporter{" + host + ":" + port + "}";
  }
}
