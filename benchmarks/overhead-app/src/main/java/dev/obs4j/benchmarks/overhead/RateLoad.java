/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks.overhead;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A constant-rate HTTP/1.1 load generator (wrk2 is not packaged here): {@code CONNECTIONS} keep-alive
 * connections, each sending {@code GET} at its share of {@code RATE} on a fixed schedule, so the server sees
 * the same request rate whatever it costs per request, and its CPU per request can be compared at that
 * rate. A request whose slot has passed (the previous answer came late) is sent at once, so the rate holds
 * as long as the server keeps up; latency is measured from the scheduled time, not the send, so a stall is
 * not hidden (no coordinated omission). Prints one line:
 * {@code sent=N ok=N errors=N seconds=S achieved_rps=R p50_ms=X p99_ms=Y late=N}.
 *
 * <pre>java -cp overhead-app.jar dev.obs4j.benchmarks.overhead.RateLoad http://127.0.0.1:8090/hello 15000 10 16</pre>
 */
public final class RateLoad {
  private RateLoad() {}

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    double rate = Double.parseDouble(args[1]);
    double seconds = Double.parseDouble(args[2]);
    int connections = args.length > 3 ? Integer.parseInt(args[3]) : 16;
    byte[] request = ("GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
        + "\r\nUser-Agent: obs4j-rateload\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    long interval = (long) (1e9 * connections / rate); // per connection
    long start = System.nanoTime() + 50_000_000L;
    long end = start + (long) (seconds * 1e9);
    AtomicLong errors = new AtomicLong();
    AtomicLong late = new AtomicLong();
    long[][] latencies = new long[connections][];
    int[] counts = new int[connections];
    Thread[] threads = new Thread[connections];
    for (int c = 0; c < connections; c++) {
      int id = c;
      latencies[c] = new long[(int) (seconds * rate / connections * 1.1) + 16];
      threads[c] = new Thread(() -> {
        long next = start + interval * id / connections; // spread the connections over one interval
        Socket socket = null;
        InputStream in = null;
        byte[] buffer = new byte[16384];
        while (next < end) {
          long wait = next - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
            continue;
          }
          if (wait < -interval) {
            late.incrementAndGet();
          }
          try {
            if (socket == null) {
              socket = new Socket();
              socket.setTcpNoDelay(true);
              socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
              socket.setSoTimeout(10_000);
              in = new java.io.BufferedInputStream(socket.getInputStream(), 16384);
            }
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            if (!readResponse(in, buffer)) {
              errors.incrementAndGet();
            }
            long[] mine = latencies[id];
            if (counts[id] < mine.length) {
              mine[counts[id]] = System.nanoTime() - next;
            }
            counts[id]++;
          } catch (IOException e) {
            errors.incrementAndGet();
            try {
              if (socket != null) {
                socket.close();
              }
            } catch (IOException ignored) {
              // closing a broken socket
            }
            socket = null;
          }
          next += interval;
        }
        try {
          if (socket != null) {
            socket.close();
          }
        } catch (IOException ignored) {
          // done
        }
      }, "rateload-" + c);
      threads[c].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    double took = (System.nanoTime() - start) / 1e9;
    int ok = 0;
    for (int n : counts) {
      ok += n;
    }
    long[] all = new long[ok];
    int at = 0;
    for (int c = 0; c < connections; c++) {
      int n = Math.min(counts[c], latencies[c].length);
      System.arraycopy(latencies[c], 0, all, at, n);
      at += n;
    }
    all = Arrays.copyOf(all, at);
    Arrays.sort(all);
    System.out.printf(java.util.Locale.ROOT,
        "sent=%d ok=%d errors=%d seconds=%.3f achieved_rps=%.1f p50_ms=%.3f p99_ms=%.3f late=%d%n",
        ok + errors.get(), ok, errors.get(), took, ok / took, percentile(all, 0.50) / 1e6,
        percentile(all, 0.99) / 1e6, late.get());
  }

  private static double percentile(long[] sorted, double p) {
    return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
  }

  /**
   * Reads one response: the head up to the blank line, then a {@code Content-Length} body or a chunked one.
   * True for a 2xx status.
   */
  private static boolean readResponse(InputStream in, byte[] buffer) throws IOException {
    StringBuilder head = new StringBuilder(256);
    int prev3 = 0;
    int prev2 = 0;
    int prev1 = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      head.append((char) b);
      if (prev3 == '\r' && prev2 == '\n' && prev1 == '\r' && b == '\n') {
        break;
      }
      prev3 = prev2;
      prev2 = prev1;
      prev1 = b;
    }
    String h = head.toString();
    boolean ok = h.length() > 12 && h.charAt(9) == '2';
    String lower = h.toLowerCase(java.util.Locale.ROOT);
    int cl = lower.indexOf("\ncontent-length:");
    if (cl >= 0) {
      int eol = lower.indexOf('\r', cl);
      skip(in, Long.parseLong(lower.substring(cl + 16, eol).trim()), buffer);
    } else if (lower.contains("\ntransfer-encoding: chunked")) {
      while (true) {
        String line = readLine(in);
        int size = Integer.parseInt(line.split(";")[0].trim(), 16);
        skip(in, size, buffer);
        readLine(in); // CRLF after the chunk
        if (size == 0) {
          break;
        }
      }
    }
    return ok;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      if (b != '\r') {
        sb.append((char) b);
      }
    }
    return sb.toString();
  }

  private static void skip(InputStream in, long n, byte[] buffer) throws IOException {
    while (n > 0) {
      int r = in.read(buffer, 0, (int) Math.min(buffer.length, n));
      if (r < 0) {
        throw new IOException("connection closed");
      }
      n -= r;
    }
  }
}
