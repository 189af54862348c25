/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.http.apache.ObsApacheHttpClient;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.junit.jupiter.api.Test;

/** Apache HttpClient 5, async, through {@link ObsApacheHttpClient}. */
class ApacheAsyncClientTest extends AbstractHttpClientContractTest {
  @Override
  protected Client client(ObsHttp http) {
    CloseableHttpAsyncClient client = ObsApacheHttpClient.create(http).instrument(HttpAsyncClients.custom()).build();
    client.start();
    return new Client() {
      @Override
      public int get(URI uri) throws Exception {
        try {
          return client.execute(SimpleRequestBuilder.get(uri).build(), null).get(10, TimeUnit.SECONDS).getCode();
        } catch (ExecutionException e) {
          throw (Exception) e.getCause();
        }
      }

      @Override
      public void close() throws Exception {
        client.close();
      }
    };
  }

  @Override
  protected Class<? extends Exception> connectFailure() {
    return org.apache.hc.client5.http.HttpHostConnectException.class;
  }

  @Test
  void cancelledFuture_endsTheSpan_asACancellation() throws Exception {
    try (Obs obs = obs(null);
        CloseableHttpAsyncClient client =
            ObsApacheHttpClient.create(ObsHttp.create(obs)).instrument(HttpAsyncClients.custom()).build();
        ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      client.start();
      Future<SimpleHttpResponse> pending = client.execute(
          SimpleRequestBuilder.get("http://127.0.0.1:" + silent.getLocalPort() + "/never").build(), null);
      silent.setSoTimeout(10_000);
      try (Socket connection = silent.accept()) {
        InputStream in = connection.getInputStream();
        assertThat(in.read(new byte[8192])).isPositive(); // the request arrived; no answer ever comes
        assertThat(pending.cancel(true)).isTrue();
        SpanData span = clientSpans(1).get(0);
        assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo("java.util.concurrent.CancellationException");
      }
      assertThat(obs.meterRegistry().get("http.client.requests")
          .tags("status", "CLIENT_ERROR", "exception", "CancellationException").timer().count()).isEqualTo(1);
    }
  }
}
