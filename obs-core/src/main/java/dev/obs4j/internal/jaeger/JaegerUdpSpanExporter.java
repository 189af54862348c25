/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.internal.ThrottledLogger;
import io.jaegertracing.thriftjava.Process;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.thrift.TBase;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TField;
import org.apache.thrift.protocol.TList;
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
 * <p>Written here, over jaeger-thrift's generated model and libthrift's {@link TCompactProtocol}, because
 * the discontinued {@code opentelemetry-exporter-jaeger-thrift} does not run on current SDKs, drops any batch
 * over 65,000 bytes whole and then sends corrupt datagrams from a buffer it never clears. Here every span is
 * encoded once, on its own, and the datagrams are assembled from those bytes: the envelope (message header,
 * {@code emitBatch_args}, {@code Batch}, {@code Process}, the span list header) is written by the same
 * protocol, and a compact-encoded struct does not depend on what precedes it, so a batch that would exceed
 * the limit is split exactly where it must be. A span too large on its own is dropped and counted. Each
 * datagram is a fresh array.
 */
public final class JaegerUdpSpanExporter implements SpanExporter, SelfMetrics.CountsOwnDrops {
  /** The largest datagram Jaeger agents read (their UDP server's buffer is 65,000 bytes). */
  public static final int MAX_DATAGRAM = 65_000;

  /** Stop bytes after the span list: the end of {@code Batch} and of {@code emitBatch_args}. */
  private static final int SUFFIX_LENGTH = 2;

  private static final ThrottledLogger log =
      new ThrottledLogger(LoggerFactory.getLogger(JaegerUdpSpanExporter.class));

  private final String host;
  private final int port;
  private final Resource resource;
  private final int maxDatagram;
  private final Counter tooLarge;
  private final Counter sendFailed;
  private final Counter datagramsSent;
  private final Counter datagramsFailed;
  private final Counter bytesSent;
  private @Nullable DatagramSocket socket;
  private byte @Nullable [] prefix;
  private volatile boolean shutdown;

  public JaegerUdpSpanExporter(String host, int port, Resource resource, SelfMetrics metrics) {
    this(host, port, resource, metrics, MAX_DATAGRAM);
  }

  JaegerUdpSpanExporter(String host, int port, Resource resource, SelfMetrics metrics, int maxDatagram) {
    this.host = host;
    this.port = port;
    this.resource = resource;
    this.maxDatagram = maxDatagram;
    this.tooLarge = metrics.dropped("jaeger", SelfMetrics.DROP_TOO_LARGE);
    this.sendFailed = metrics.dropped("jaeger", SelfMetrics.DROP_EXPORT_FAILED);
    this.datagramsSent = metrics.datagrams("sent");
    this.datagramsFailed = metrics.datagrams("failed");
    this.bytesSent = metrics.datagramBytes();
  }

  @Override
  public synchronized CompletableResultCode export(Collection<SpanData> spans) {
    if (shutdown) {
      return CompletableResultCode.ofFailure();
    }
    List<Datagram> datagrams;
    try {
      datagrams = encode(spans);
    } catch (TException e) {
      log.error("jaeger-encode", "Cannot encode the Jaeger process; " + spans.size() + " spans lost", e);
      sendFailed.increment(spans.size());
      return CompletableResultCode.ofFailure();
    }
    boolean ok = true;
    for (Datagram datagram : datagrams) {
      if (!send(datagram.bytes)) {
        sendFailed.increment(datagram.spans);
        ok = false;
      }
    }
    return ok ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
  }

  /**
   * Encodes {@code spans} into {@code emitBatch} datagrams of at most the size limit, dropping (and counting)
   * any span too large on its own. Public for the encoding benchmark.
   */
  public List<byte[]> encodeDatagrams(Collection<SpanData> spans) throws TException {
    List<byte[]> out = new ArrayList<>();
    for (Datagram datagram : encode(spans)) {
      out.add(datagram.bytes);
    }
    return out;
  }

  private List<Datagram> encode(Collection<SpanData> spans) throws TException {
    byte[] envelope = prefix();
    int room = maxDatagram - envelope.length - SUFFIX_LENGTH;
    List<byte[]> encoded = new ArrayList<>(spans.size());
    for (SpanData span : spans) {
      byte[] bytes;
      try {
        bytes = encode(JaegerThriftMapper.toSpan(span));
      } catch (TException | RuntimeException e) {
        tooLarge.increment();
        log.error("jaeger-encode", "Cannot encode span '" + span.getName() + "'; it is lost", e);
        continue;
      }
      if (bytes.length + listHeaderLength(1) > room) {
        tooLarge.increment();
        log.error(
            "jaeger-too-large",
            "Span '"
                + span.getName()
                + "' encodes to "
                + bytes.length
                + " bytes, more than a Jaeger datagram holds ("
                + maxDatagram
                + "); it is dropped. Trim its attributes or events, or export OTLP.",
            null);
        continue;
      }
      encoded.add(bytes);
    }

    List<Datagram> datagrams = new ArrayList<>();
    int from = 0;
    while (from < encoded.size()) {
      int size = 0;
      int to = from;
      while (to < encoded.size()
          && size + encoded.get(to).length + listHeaderLength(to - from + 1) <= room) {
        size += encoded.get(to).length;
        to++;
      }
      datagrams.add(new Datagram(datagram(envelope, encoded.subList(from, to), size), to - from));
      from = to;
    }
    return datagrams;
  }

  private static final class Datagram {
    final byte[] bytes;
    final int spans;

    Datagram(byte[] bytes, int spans) {
      this.bytes = bytes;
      this.spans = spans;
    }
  }

  /**
   * Sends one datagram on a connected socket: connected, so that on loopback and most networks an agent
   * that is not listening shows up as a failure (ICMP port unreachable) on a later send, and is counted.
   */
  private boolean send(byte[] datagram) {
    try {
      DatagramSocket s = socket;
      if (s == null) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
          throw new UnknownHostException(host);
        }
        s = new DatagramSocket();
        s.connect(address);
        socket = s;
      }
      s.send(new DatagramPacket(datagram, datagram.length));
      datagramsSent.increment();
      bytesSent.increment(datagram.length);
      return true;
    } catch (IOException | RuntimeException e) {
      datagramsFailed.increment();
      DatagramSocket s = socket;
      if (s != null) {
        s.close(); // resolve and connect afresh next time
        socket = null;
      }
      log.warn(
          "jaeger-send",
          "Cannot send spans to the Jaeger agent at " + host + ":" + port + " (JAEGER_AGENT_HOST/PORT)",
          e);
      return false;
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

  private static byte[] datagram(byte[] envelope, List<byte[]> spans, int spanBytes) {
    byte[] header = listHeader(spans.size());
    byte[] out = new byte[envelope.length + header.length + spanBytes + SUFFIX_LENGTH];
    int at = 0;
    System.arraycopy(envelope, 0, out, at, envelope.length);
    at += envelope.length;
    System.arraycopy(header, 0, out, at, header.length);
    at += header.length;
    for (byte[] span : spans) {
      System.arraycopy(span, 0, out, at, span.length);
      at += span.length;
    }
    // The two stop bytes (TType.STOP) that end Batch and emitBatch_args are already zero.
    return out;
  }

  private static byte[] listHeader(int count) {
    try {
      TMemoryBuffer buffer = new TMemoryBuffer(8);
      new TCompactProtocol(buffer).writeListBegin(new TList(TType.STRUCT, count));
      return copy(buffer);
    } catch (TException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public CompletableResultCode flush() {
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public synchronized CompletableResultCode shutdown() {
    shutdown = true;
    DatagramSocket s = socket;
    if (s != null) {
      s.close();
    }
    return CompletableResultCode.ofSuccess();
  }

  @Override
  public String toString() {
    return "JaegerUdpSpanExporter{" + host + ":" + port + "}";
  }
}
