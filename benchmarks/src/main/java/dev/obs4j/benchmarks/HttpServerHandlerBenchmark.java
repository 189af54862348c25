/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import dev.obs4j.http.HttpServerHandler;
import dev.obs4j.http.HttpServerRequest;
import dev.obs4j.http.HttpServerResponse;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.instrument.Operation;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The HTTP server handler per request, as every adapter runs it: start (extract, span, trace-id response
 * headers), make current (log context), end (span name and attributes, {@code http.server.requests} timer
 * with exemplar, span end), around a handler that does nothing; against the bare handler, and with
 * sampling off. The request carries a W3C parent, as in a service behind another; the {@code _browserHeaders}
 * methods serve instead a request as a browser or curl sends it straight to the service (ten header names
 * in the client's spelling, no trace header), looked up ignoring case as Jetty and the Servlet API do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class HttpServerHandlerBenchmark {

  private static final Map<String, String> HEADERS =
      Map.of(
          "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          "user-agent", "wrk");

  static final HttpServerRequest REQUEST =
      new HttpServerRequest() {
        @Override
        public String method() {
          return "GET";
        }

        @Override
        public String path() {
          return "/orders/17";
        }

        @Override
        public String route() {
          return "/orders/{id}";
        }

        @Override
        public @Nullable String header(String name) {
          return HEADERS.get(name.toLowerCase(java.util.Locale.ROOT));
        }

        @Override
        public Iterable<String> headerNames() {
          return HEADERS.keySet();
        }

        @Override
        public String clientAddress() {
          return "127.0.0.1";
        }
      };

  private static final HttpServerResponse RESPONSE = HttpServerResponse.of(REQUEST, 200);

  /** What a browser sends (Chrome's set, shortened values), in its spelling and order; no trace context. */
  private static final String[][] BROWSER_HEADERS = {
    {"Host", "localhost:8080"},
    {"Connection", "keep-alive"},
    {"Cache-Control", "max-age=0"},
    {"sec-ch-ua", "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""},
    {"Upgrade-Insecure-Requests", "1"},
    {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"},
    {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    {"Accept-Encoding", "gzip, deflate, br, zstd"},
    {"Accept-Language", "en-US,en;q=0.9"},
    {"Cookie", "session=8f14e45fceea167a5a36dedd4bea2543"},
  };

  private static final List<String> BROWSER_HEADER_NAMES =
      java.util.Arrays.stream(BROWSER_HEADERS).map(h -> h[0]).collect(java.util.stream.Collectors.toUnmodifiableList());

  static final HttpServerRequest BROWSER_REQUEST =
      new HttpServerRequest() {
        @Override
        public String method() {
          return "GET";
        }

        @Override
        public String path() {
          return "/orders/17";
        }

        @Override
        public String route() {
          return "/orders/{id}";
        }

        @Override
        public @Nullable String header(String name) {
          for (String[] header : BROWSER_HEADERS) { // as Jetty's HttpFields: a walk, ignoring case
            if (header[0].equalsIgnoreCase(name)) {
              return header[1];
            }
          }
          return null;
        }

        @Override
        public Iterable<String> headerNames() {
          return BROWSER_HEADER_NAMES;
        }

        @Override
        public String clientAddress() {
          return "127.0.0.1";
        }
      };

  private static final HttpServerResponse BROWSER_RESPONSE = HttpServerResponse.of(BROWSER_REQUEST, 200);

  private Obs sampledObs;
  private Obs unsampledObs;
  private HttpServerHandler sampled;
  private HttpServerHandler unsampled;
  private io.micrometer.core.instrument.Timer timer;

  @Setup(Level.Trial)
  public void setUp() {
    sampledObs = obs("always_on");
    unsampledObs = obs("always_off"); // not parent-based: the sampled parent is overruled
    sampled = ObsHttp.create(sampledObs).serverHandler();
    unsampled = ObsHttp.create(unsampledObs).serverHandler();
    timer =
        io.micrometer.core.instrument.Timer.builder("bench.requests")
            .publishPercentileHistogram()
            .register(unsampledObs.meterRegistry());
  }

  private static Obs obs(String sampler) {
    return Discard.obs().sampler(sampler).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sampledObs.close();
    unsampledObs.close();
  }

  private static void handler(Blackhole bh) {
    bh.consume(REQUEST.path());
  }

  @Benchmark
  public void bare(Blackhole bh) {
    handler(bh);
  }

  /** The part no sampling decision removes: recording the request in the RED histogram. */
  @Benchmark
  public void redTimerRecordOnly() {
    timer.record(1_234_567, TimeUnit.NANOSECONDS);
  }

  @Benchmark
  public void obs4j_sampled(Blackhole bh) {
    serve(sampled, bh);
  }

  @Benchmark
  public void obs4j_unsampled(Blackhole bh) {
    serve(unsampled, bh);
  }

  @Benchmark
  public void obs4j_sampled_browserHeaders(Blackhole bh) {
    serve(sampled, BROWSER_REQUEST, BROWSER_RESPONSE, bh);
  }

  @Benchmark
  public void obs4j_unsampled_browserHeaders(Blackhole bh) {
    serve(unsampled, BROWSER_REQUEST, BROWSER_RESPONSE, bh);
  }

  private static void serve(HttpServerHandler handler, Blackhole bh) {
    serve(handler, REQUEST, RESPONSE, bh);
  }

  private static void serve(
      HttpServerHandler handler, HttpServerRequest request, HttpServerResponse response, Blackhole bh) {
    Operation operation = handler.start(request, bh, (b, name, value) -> b.consume(value));
    try (Scope ignored = operation.makeCurrent()) {
      handler(bh);
    }
    handler.end(operation, response, null);
  }
}
