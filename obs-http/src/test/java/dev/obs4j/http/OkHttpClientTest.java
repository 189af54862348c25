/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.http.okhttp.ObsOkHttp;
import dev.obs4j.instrument.Operation;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** OkHttp through {@link ObsOkHttp}. */
class OkHttpClientTest extends AbstractHttpClientContractTest {
  @Override
  protected Client client(ObsHttp http) {
    OkHttpClient client = ObsOkHttp.wrap(http, new OkHttpClient());
    return new Client() {
      @Override
      public int get(URI uri) throws Exception {
        try (Response response = client.newCall(new Request.Builder().url(uri.toURL()).build()).execute()) {
          response.body().string();
          return response.code();
        }
      }

      @Override
      public void close() {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      }
    };
  }

  @Override
  protected Class<? extends Exception> connectFailure() {
    return ConnectException.class;
  }

  /** Completes with the response code, or the failure, of an enqueued call. */
  static CompletableFuture<Integer> enqueue(Call call) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException e) {
        done.completeExceptionally(e);
      }

      @Override
      public void onResponse(Call c, Response response) {
        try (response) {
          done.complete(response.code());
        }
      }
    });
    return done;
  }

  /**
   * The OkHttp this run has: 5 in the default test run, 4.12 in the {@code okhttp-4} run (obs-http's pom),
   * which swaps the jars; without this check a broken swap would test 5 twice.
   */
  @Test
  void runsOnTheOkHttpOfThisTestRun() {
    assertThat(okhttp3.OkHttp.VERSION).startsWith(System.getProperty("obs4j.expect.okhttp", "5."));
  }

  @Test
  void enqueuedCall_isAChildOfTheSpanCurrentAtNewCall() throws Exception {
    try (Obs obs = obs(null)) {
      OkHttpClient client = ObsOkHttp.wrap(ObsHttp.create(obs), new OkHttpClient());
      Operation entry = entry(obs);
      CompletableFuture<Integer> done;
      try (var ignored = entry.makeCurrent()) {
        done = enqueue(client.newCall(new Request.Builder().url(uri("/redirect").toURL()).build()));
      } finally {
        end(obs, entry);
      }
      assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(200);
      assertThat(clientSpans(2)).extracting(SpanData::getParentSpanId)
          .containsOnly(entry.span().getSpanContext().getSpanId());
      assertThat(callee.await(io.opentelemetry.api.trace.SpanKind.SERVER, 2))
          .filteredOn(s -> s.getKind() == io.opentelemetry.api.trace.SpanKind.SERVER)
          .extracting(SpanData::getTraceId).containsOnly(entry.span().getSpanContext().getTraceId());
    }
  }

  @Test
  void cancelledCall_endsTheSpan_asACancellation() throws Exception {
    try (Obs obs = obs(null); ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      OkHttpClient client = ObsOkHttp.wrap(ObsHttp.create(obs), new OkHttpClient());
      Call call = client.newCall(new Request.Builder().url("http://127.0.0.1:" + silent.getLocalPort() + "/never").build());
      CompletableFuture<Integer> done = enqueue(call);
      silent.setSoTimeout(10_000);
      try (Socket connection = silent.accept()) {
        InputStream in = connection.getInputStream();
        assertThat(in.read(new byte[8192])).isPositive(); // the request arrived; no answer ever comes
        call.cancel();
        assertThat(done).failsWithin(10, TimeUnit.SECONDS);
      }
      SpanData span = clientSpans(1).get(0);
      assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo("java.util.concurrent.CancellationException");
      assertThat(obs.meterRegistry().get("http.client.requests")
          .tags("status", "CLIENT_ERROR", "exception", "CancellationException").timer().count()).isEqualTo(1);
    }
  }
}
