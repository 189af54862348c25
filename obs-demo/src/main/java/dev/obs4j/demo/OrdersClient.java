/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.apache.ObsApacheHttpClient;
import dev.obs4j.http.client.ObsHttpClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * How the gateway calls the orders service ({@code --orders-client}): the JDK's {@code HttpClient} or
 * Apache HttpClient 5, each traced by obs4j's adapter for it, so that either makes the same CLIENT span,
 * carries the same trace context and user id, and counts in the same client timer. Both connect within
 * 2 s, wait at most 10 s for the answer and never retry on their own (the gateway decides what to retry).
 */
interface OrdersClient {

  /** What orders answered. */
  record Answer(int status, String body) {}

  /** Sends {@code method uri} with a JSON {@code body} (or none); an {@link IOException} when orders did not answer. */
  Answer send(String method, URI uri, @Nullable String body) throws IOException, InterruptedException;

  /** The client {@code kind} names ({@code jdk} or {@code apache}), traced through {@code http}. */
  static OrdersClient create(String kind, ObsHttp http) {
    return kind.equals("apache") ? apache(http) : jdk(http);
  }

  /** java.net.http, wrapped by {@link ObsHttpClient}. */
  static OrdersClient jdk(ObsHttp http) {
    HttpClient client = ObsHttpClient.wrap(http, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build());
    return (method, uri, body) -> {
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
              .build();
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    };
  }

  /** Apache HttpClient 5 (classic), instrumented by {@link ObsApacheHttpClient}. */
  static OrdersClient apache(ObsHttp http) {
    CloseableHttpClient client =
        ObsApacheHttpClient.create(http)
            .instrument(
                HttpClients.custom()
                    .setConnectionManager(
                        PoolingHttpClientConnectionManagerBuilder.create()
                            .setMaxConnPerRoute(50) // the default 5 would queue the traffic generator's requests
                            .setMaxConnTotal(50)
                            .setDefaultConnectionConfig(
                                ConnectionConfig.custom().setConnectTimeout(Timeout.ofSeconds(2)).build())
                            .build())
                    .setDefaultRequestConfig(
                        RequestConfig.custom()
                            .setConnectionRequestTimeout(Timeout.ofSeconds(2))
                            .setResponseTimeout(Timeout.ofSeconds(10))
                            .build())
                    .disableAutomaticRetries())
            .build();
    return (method, uri, body) -> {
      HttpUriRequestBase request = new HttpUriRequestBase(method, uri);
      if (body != null) {
        request.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
      }
      return client.execute(
          request,
          response ->
              new Answer(
                  response.getCode(),
                  response.getEntity() == null ? "" : EntityUtils.toString(response.getEntity(), StandardCharsets.UTF_8)));
    };
  }
}
