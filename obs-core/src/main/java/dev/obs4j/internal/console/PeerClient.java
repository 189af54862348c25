/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Asks the consoles of the other services of a trace ({@code
 * OBS4J_CONSOLE_PEERS}) for the spans they hold of it, all together under one deadline, with the console's
 * own credentials. Nothing waits on a peer's bytes: a body is read as it arrives, at most {@value
 * #MAX_BYTES} bytes, and a peer that has not answered in full by the deadline has its exchange cancelled,
 * which closes its connection. The client is made once, when a page first asks a peer (so a handle that
 * never shows a trace starts no thread), and runs on two daemon threads of its own, ended by
 * {@link #close()} (with the client's own selector thread on Java 21 and later; on 17 that thread ends when
 * the client is collected).
 */
final class PeerClient implements AutoCloseable {
  static final int DEADLINE_SECONDS = 2;
  private static final Duration DEADLINE = Duration.ofSeconds(DEADLINE_SECONDS);
  static final int MAX_BYTES = 4 << 20;

  /** What the peers answered: the spans of those that did, and the addresses of those that did not. */
  record Answers(List<ViewSpan> spans, List<String> unreachable) {}

  private final List<URI> peers;
  private final @Nullable String authorization;
  /** Guards the client's making and ending. */
  private final Object lock = new Object();
  private @Nullable ExecutorService executor;
  private volatile @Nullable HttpClient client;
  private boolean closed;

  PeerClient(List<URI> peers, ConsoleCredentials credentials) {
    this.peers = List.copyOf(peers);
    this.authorization = credentials.outgoing();
  }

  /** The client, made on first use; null once closed. */
  private @Nullable HttpClient client() {
    HttpClient made = client;
    if (made != null) {
      return made;
    }
    synchronized (lock) {
      if (client == null && !closed) {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
          Thread t = new Thread(r, "obs4j-console-peers");
          t.setDaemon(true);
          return t;
        });
        executor = pool;
        client =
            HttpClient.newBuilder()
                .executor(pool)
                .connectTimeout(DEADLINE)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
      }
      return client;
    }
  }

  /** The spans every peer holds of {@code traceId}, asked together; waits {@value #DEADLINE_SECONDS} s at most. */
  Answers ask(String traceId) {
    if (peers.isEmpty()) {
      return new Answers(List.of(), List.of());
    }
    HttpClient http = client();
    if (http == null) {
      return new Answers(List.of(), peers.stream().map(PeerClient::address).toList());
    }
    Map<URI, Exchange> asked = new LinkedHashMap<>();
    for (URI peer : peers) {
      asked.put(peer, new Exchange(http, peer, traceId, authorization));
    }
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    List<ViewSpan> spans = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    for (Map.Entry<URI, Exchange> answer : asked.entrySet()) {
      List<ViewSpan> got = answer.getValue().await(deadline);
      if (got == null) {
        unreachable.add(address(answer.getKey()));
      } else {
        spans.addAll(got);
      }
    }
    return new Answers(spans, unreachable);
  }

  /** A peer as the page names it: scheme, host and port, nothing of a path or query. */
  private static String address(URI peer) {
    return peer.getScheme() + "://" + peer.getHost() + (peer.getPort() < 0 ? "" : ":" + peer.getPort());
  }

  /** Stops the client's threads; an exchange still open is dropped with them. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      HttpClient made = client;
      client = null;
      if (made != null) {
        try {
          // Java 21 and later: ends the selector thread too (HttpClient.shutdownNow, absent on 17)
          HttpClient.class.getMethod("shutdownNow").invoke(made);
        } catch (ReflectiveOperationException | RuntimeException notOnThisJava) {
          // on 17 the selector thread ends when the client is collected
        }
      }
      ExecutorService pool = executor;
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  /** One peer's answer on its way. */
  private static final class Exchange {
    private final CompletableFuture<@Nullable List<ViewSpan>> result;
    private final BoundedBody body = new BoundedBody();

    Exchange(HttpClient client, URI peer, String traceId, @Nullable String authorization) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(peer.resolve("/obs/trace/" + traceId + "?spans")).timeout(DEADLINE).GET();
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      this.result =
          client
              .sendAsync(request.build(), response -> response.statusCode() == 200
                  ? body
                  : HttpResponse.BodySubscribers.replacing(null))
              .thenApply(Exchange::spans);
    }

    private static @Nullable List<ViewSpan> spans(HttpResponse<byte @Nullable []> response) {
      if (response.statusCode() == 404) {
        return List.of(); // the peer holds none of the trace
      }
      byte[] bytes = response.body();
      if (response.statusCode() != 200 || bytes == null) {
        return null;
      }
      List<ViewSpan> spans = new ArrayList<>();
      for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
        ViewSpan span = line.isEmpty() ? null : ViewSpan.parse(line);
        if (span != null) {
          spans.add(span);
        }
      }
      return spans;
    }

    /** The spans, or null when the peer did not answer in full by {@code deadline} (then it is cancelled). */
    @Nullable List<ViewSpan> await(long deadline) {
      try {
        return result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        cancel();
        return null;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        cancel();
        return null;
      }
    }

    /** Cancelling the body's subscription makes the client close the connection; cancelling the future stops nothing. */
    private void cancel() {
      body.cancel();
      result.cancel(true);
    }
  }

  /**
   * A body read as it arrives into memory, at most {@value #MAX_BYTES} bytes (more fails the exchange), that
   * can be cancelled from outside.
   */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte @Nullable []> {
    private final CompletableFuture<byte @Nullable []> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AtomicReference<Flow.@Nullable Subscription> subscription = new AtomicReference<>();
    private volatile boolean cancelled;

    @Override
    public CompletionStage<byte @Nullable []> getBody() {
      return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription.set(s);
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      synchronized (bytes) {
        for (ByteBuffer buffer : buffers) {
          if (bytes.size() + buffer.remaining() > MAX_BYTES) {
            cancel();
            body.completeExceptionally(new IllegalStateException("a peer answered more than " + MAX_BYTES + " bytes"));
            return;
          }
          byte[] chunk = new byte[buffer.remaining()];
          buffer.get(chunk);
          bytes.write(chunk, 0, chunk.length);
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      body.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      synchronized (bytes) {
        body.complete(bytes.toByteArray());
      }
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription s = subscription.getAndSet(null);
      if (s != null) {
        s.cancel();
      }
    }
  }
}
