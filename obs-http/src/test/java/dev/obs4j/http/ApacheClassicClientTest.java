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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.Test;

/** Apache HttpClient 5, classic, through {@link ObsApacheHttpClient}. */
class ApacheClassicClientTest extends AbstractHttpClientContractTest {
  @Override
  protected Client client(ObsHttp http) {
    CloseableHttpClient client = ObsApacheHttpClient.create(http).instrument(HttpClients.custom()).build();
    return new Client() {
      @Override
      public int get(URI uri) throws Exception {
        return client.execute(new HttpGet(uri), response -> {
          EntityUtils.consume(response.getEntity());
          return response.getCode();
        });
      }

      @Override
      public void close() throws Exception {
        client.close();
      }
    };
  }

  @Override
  protected Class<? extends Exception> connectFailure() {
    return HttpHostConnectException.class;
  }

  @Test
  void cancelledRequest_endsItsSpan_asACancellation() throws Exception {
    try (Obs obs = obs(null);
        CloseableHttpClient client = ObsApacheHttpClient.create(ObsHttp.create(obs)).instrument(HttpClients.custom()).build();
        ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      HttpGet get = new HttpGet("http://127.0.0.1:" + silent.getLocalPort() + "/never");
      CompletableFuture<Object> sent = CompletableFuture.supplyAsync(() -> {
        try {
          return client.execute(get, response -> response.getCode());
        } catch (Exception e) {
          return e;
        }
      });
      silent.setSoTimeout(10_000);
      try (Socket connection = silent.accept()) {
        InputStream in = connection.getInputStream();
        assertThat(in.read(new byte[8192])).isPositive(); // the request arrived; no answer ever comes
        get.cancel();
        assertThat(sent.get(10, TimeUnit.SECONDS)).isInstanceOf(Exception.class);
      }
      SpanData span = clientSpans(1).get(0);
      assertThat(span.getAttributes().get(ERROR_TYPE)).isEqualTo("java.util.concurrent.CancellationException");
      assertThat(obs.meterRegistry().get("http.client.requests")
          .tags("status", "CLIENT_ERROR", "exception", "CancellationException").timer().count()).isEqualTo(1);
    }
  }
}
