/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.okhttp;

import dev.obs4j.http.HttpClientHandler;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.trace.HeaderSetter;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Traces OkHttp (5.x, and 4.12): every request the client puts on the network is a CLIENT span under the span
 * current when the application called {@code newCall}, with the trace headers of every configured propagator
 * (and the business fields as baggage, to the hosts allowed), timed by {@code http.client.requests}. A retry
 * or a redirect followed is a span of its own, with {@code http.request.resend_count}, as OpenTelemetry's
 * HTTP conventions say (a network interceptor, so one span per attempt); a call that failed before anything
 * was sent (connection refused, unknown host) is one span with the error, from an application interceptor.
 *
 * <pre>{@code
 * OkHttpClient client = ObsOkHttp.wrap(ObsHttp.create(obs), new OkHttpClient());
 * }</pre>
 *
 * <p>The client returned is a copy of the one given with two interceptors added (the other interceptors,
 * pools and settings are shared). It remembers the context of {@code newCall}, so that {@code enqueue}'s
 * spans have the right parent; a client made from it by {@code newBuilder().build()} keeps the tracing but
 * takes the parent from the thread that runs the call (the caller's for {@code execute}).
 *
 * <p>OkHttp is an optional dependency of obs-http: an application that uses this class brings it
 * ({@code com.squareup.okhttp3:okhttp-jvm} for 5.x with Maven).
 */
public final class ObsOkHttp {
  private static final HeaderSetter<Request.Builder> SETTER = Request.Builder::header;

  private ObsOkHttp() {}

  /** A copy of {@code client} whose requests report through {@code http}. */
  public static OkHttpClient wrap(ObsHttp http, OkHttpClient client) {
    HttpClientHandler handler = Objects.requireNonNull(http, "http").clientHandler();
    OkHttpClient.Builder builder = Objects.requireNonNull(client, "client").newBuilder();
    builder.interceptors().add(new CallInterceptor(handler)); // last: the user's own interceptors run outside
    builder.networkInterceptors().add(0, new AttemptInterceptor(handler));
    return new Traced(builder);
  }

  /** One call's state, a tag on its request: the context of {@code newCall} and the attempts sent. */
  private static final class Attempts {
    final Context parent;
    final AtomicInteger sent = new AtomicInteger();

    Attempts(Context parent) {
      this.parent = parent;
    }
  }

  /** The client: tags each new call with the caller's context. */
  private static final class Traced extends OkHttpClient {
    Traced(OkHttpClient.Builder builder) {
      super(builder);
    }

    @Override
    public Call newCall(Request request) {
      if (request.tag(Attempts.class) == null) {
        request = request.newBuilder().tag(Attempts.class, new Attempts(Context.current())).build();
      }
      return super.newCall(request);
    }
  }

  /** Application interceptor: gives the call its state, and the span of a call that never reached the network. */
  private static final class CallInterceptor implements Interceptor {
    private final HttpClientHandler handler;

    CallInterceptor(HttpClientHandler handler) {
      this.handler = handler;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      Attempts attempts = request.tag(Attempts.class);
      if (attempts == null) {
        attempts = new Attempts(Context.current());
        request = request.newBuilder().tag(Attempts.class, attempts).build();
      }
      long start = System.nanoTime();
      int before = attempts.sent.get();
      try {
        return chain.proceed(request);
      } catch (IOException | RuntimeException | Error e) {
        if (attempts.sent.get() == before) { // no attempt got as far as the network: connecting failed
          HttpClientHandler.Call call =
              handler.startedAt(
                  start, attempts.parent, request.method(), request.url().uri(), null, before, request,
                  (r, name, value) -> {});
          handler.end(call, -1, chain.call().isCanceled() ? cancelled(e) : e);
        }
        throw e;
      }
    }
  }

  /** Network interceptor: one span per request put on the wire. */
  private static final class AttemptInterceptor implements Interceptor {
    private final HttpClientHandler handler;

    AttemptInterceptor(HttpClientHandler handler) {
      this.handler = handler;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
      Request request = chain.request();
      Attempts attempts = request.tag(Attempts.class);
      Context parent = attempts == null ? Context.current() : attempts.parent;
      int resendCount = attempts == null ? 0 : attempts.sent.getAndIncrement();
      Request.Builder traced = request.newBuilder();
      HttpClientHandler.Call call =
          handler.start(parent, request.method(), request.url().uri(), null, resendCount, traced, SETTER);
      Response response;
      try (Scope ignored = call.operation().context().makeCurrent()) {
        response = chain.proceed(traced.build());
      } catch (IOException | RuntimeException | Error e) {
        handler.end(call, -1, chain.call().isCanceled() ? cancelled(e) : e);
        throw e;
      }
      handler.end(call, response.code(), null);
      return response;
    }
  }

  /** A cancelled call is reported as the JDK client's adapter reports one: a CancellationException. */
  static Throwable cancelled(Throwable error) {
    CancellationException cancelled = new CancellationException("call cancelled");
    cancelled.initCause(error);
    return cancelled;
  }
}
