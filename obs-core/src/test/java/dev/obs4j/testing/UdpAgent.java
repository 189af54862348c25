/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import io.jaegertracing.agent.thrift.Agent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.thrift.TException;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.protocol.TMessage;
import org.apache.thrift.transport.TMemoryInputTransport;

/**
 * A stand-in for the Jaeger agent's UDP port: receives datagrams on loopback with a 4 MiB buffer and decodes
 * them the way the agent does, with jaeger-thrift's generated {@code Agent.emitBatch_args} over
 * {@link TCompactProtocol}.
 */
public final class UdpAgent implements AutoCloseable {
  private final DatagramSocket socket;
  private final Thread reader;
  private final List<byte[]> datagrams = new CopyOnWriteArrayList<>();
  private volatile boolean running = true;

  public UdpAgent() throws SocketException {
    this(InetAddress.getLoopbackAddress(), 0);
  }

  /** An agent on {@code address} and {@code port} (0 for any free port). */
  public UdpAgent(InetAddress address, int port) throws SocketException {
    socket = new DatagramSocket(port, address);
    socket.setReceiveBufferSize(4 * 1024 * 1024);
    socket.setSoTimeout(100);
    reader = new Thread(this::read, "udp-agent");
    reader.setDaemon(true);
    reader.start();
  }

  public int port() {
    return socket.getLocalPort();
  }

  private void read() {
    byte[] buffer = new byte[70_000];
    while (running) {
      DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
      try {
        socket.receive(packet);
        datagrams.add(Arrays.copyOf(packet.getData(), packet.getLength()));
      } catch (SocketTimeoutException e) {
        // poll running again
      } catch (IOException e) {
        return;
      }
    }
  }

  public List<byte[]> datagrams() {
    return datagrams;
  }

  public static Batch decode(byte[] datagram) {
    try {
      TCompactProtocol protocol = new TCompactProtocol(new TMemoryInputTransport(datagram));
      TMessage message = protocol.readMessageBegin();
      if (!"emitBatch".equals(message.name)) {
        throw new AssertionError("unexpected Thrift call " + message.name);
      }
      Agent.emitBatch_args args = new Agent.emitBatch_args();
      args.read(protocol);
      protocol.readMessageEnd();
      return args.getBatch();
    } catch (TException e) {
      throw new AssertionError("datagram does not decode as Agent.emitBatch", e);
    }
  }

  public List<Batch> batches() {
    List<Batch> out = new ArrayList<>();
    for (byte[] d : datagrams) {
      out.add(decode(d));
    }
    return out;
  }

  public List<Span> spans() {
    List<Span> out = new ArrayList<>();
    for (Batch b : batches()) {
      out.addAll(b.getSpans());
    }
    return out;
  }

  /** Waits until at least {@code count} spans have arrived, or the timeout passes; returns the spans. */
  public List<Span> awaitSpans(int count, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    List<Span> spans = spans();
    while (spans.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
      spans = spans();
    }
    return spans;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    reader.join(2000);
    socket.close();
  }
}
