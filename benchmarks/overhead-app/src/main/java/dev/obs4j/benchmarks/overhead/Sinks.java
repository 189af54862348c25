/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks.overhead;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the measured services export to, on loopback: an OTLP/HTTP endpoint that reads each request and
 * answers 200, and a UDP port that reads and drops Jaeger datagrams (so the sender sees no ICMP errors).
 * {@code java -cp overhead-app.jar dev.obs4j.benchmarks.overhead.Sinks OTLP_PORT UDP_PORT}; runs until killed.
 */
public final class Sinks {
  private Sinks() {}

  public static void main(String[] args) throws Exception {
    int otlpPort = Integer.parseInt(args[0]);
    int udpPort = Integer.parseInt(args[1]);
    AtomicLong requests = new AtomicLong();
    HttpServer otlp = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), otlpPort), 64);
    otlp.createContext("/", exchange -> {
      try (InputStream body = exchange.getRequestBody()) {
        body.transferTo(java.io.OutputStream.nullOutputStream());
      }
      requests.incrementAndGet();
      exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    otlp.start();
    Thread udp = new Thread(() -> {
      try (DatagramSocket socket = new DatagramSocket(udpPort, InetAddress.getLoopbackAddress())) {
        socket.setReceiveBufferSize(4 * 1024 * 1024);
        byte[] buffer = new byte[65_535];
        while (true) {
          socket.receive(new DatagramPacket(buffer, buffer.length));
        }
      } catch (Exception e) {
        System.err.println("udp sink stopped: " + e);
      }
    }, "udp-sink");
    udp.start();
    System.out.println("sinks up: otlp http://127.0.0.1:" + otlpPort + " udp 127.0.0.1:" + udpPort);
  }
}
