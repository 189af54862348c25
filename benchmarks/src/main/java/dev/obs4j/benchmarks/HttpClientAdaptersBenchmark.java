/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.apache.ObsApacheHttpClient;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.okhttp.ObsOkHttp;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.hc.client5.http.async.methods.SimpleRequestBuilder;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.impl.async.CloseableHttpAsyncClient;
import org.apache.hc.client5.http.impl.async.HttpAsyncClients;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One GET per call to a loopback JDK {@code HttpServer} answering 204 over a kept-alive connection, through
 * each client obs4j adapts, bare and traced (every call sampled, spans to a batch processor that discards):
 * the difference between a pair is the adapter's cost per call (span, headers of the default propagators,
 * timer with exemplar). The server and the loopback round trip are in every row, so the pairs are what to
 * compare, not the rows across clients.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class HttpClientAdaptersBenchmark {
  private HttpServer server;
  private URI uri;
  private Obs obs;
  private HttpClient jdk;
  private HttpClient jdkTraced;
  private CloseableHttpClient apache;
  private CloseableHttpClient apacheTraced;
  private CloseableHttpAsyncClient apacheAsync;
  private CloseableHttpAsyncClient apacheAsyncTraced;
  private OkHttpClient okhttp;
  private OkHttpClient okhttpTraced;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.start();
    uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders/17");
    obs = Discard.obs().sampler("always_on").build();
    ObsHttp http = ObsHttp.create(obs);
    jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    jdkTraced = ObsHttpClient.wrap(http, jdk);
    apache = HttpClients.custom().build();
    apacheTraced = ObsApacheHttpClient.create(http).instrument(HttpClients.custom()).build();
    apacheAsync = HttpAsyncClients.custom().build();
    apacheAsync.start();
    apacheAsyncTraced = ObsApacheHttpClient.create(http).instrument(HttpAsyncClients.custom()).build();
    apacheAsyncTraced.start();
    okhttp = new OkHttpClient();
    okhttpTraced = ObsOkHttp.wrap(http, new OkHttpClient());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    apache.close();
    apacheTraced.close();
    apacheAsync.close();
    apacheAsyncTraced.close();
    okhttp.dispatcher().executorService().shutdown();
    okhttpTraced.dispatcher().executorService().shutdown();
    obs.close();
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }

  private int jdk(HttpClient client) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int apache(CloseableHttpClient client, URI uri) throws IOException {
    return client.execute(new HttpGet(uri), response -> response.getCode());
  }

  private static int apacheAsync(CloseableHttpAsyncClient client, URI uri) throws Exception {
    return client.execute(SimpleRequestBuilder.get(uri).build(), null).get(10, TimeUnit.SECONDS).getCode();
  }

  private static int okhttp(OkHttpClient client, URI uri) throws IOException {
    try (Response response = client.newCall(new Request.Builder().url(uri.toString()).build()).execute()) {
      return response.code();
    }
  }

  @Benchmark
  public int jdk_bare() throws Exception {
    return jdk(jdk);
  }

  @Benchmark
  public int jdk_traced() throws Exception {
    return jdk(jdkTraced);
  }

  @Benchmark
  public int apacheClassic_bare() throws IOException {
    return apache(apache, uri);
  }

  @Benchmark
  public int apacheClassic_traced() throws IOException {
    return apache(apacheTraced, uri);
  }

  @Benchmark
  public int apacheAsync_bare() throws Exception {
    return apacheAsync(apacheAsync, uri);
  }

  @Benchmark
  public int apacheAsync_traced() throws Exception {
    return apacheAsync(apacheAsyncTraced, uri);
  }

  @Benchmark
  public int okhttp_bare() throws IOException {
    return okhttp(okhttp, uri);
  }

  @Benchmark
  public int okhttp_traced() throws IOException {
    return okhttp(okhttpTraced, uri);
  }
}
