/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Jaeger's propagator walks every header name of every request, looking for {@code uberctx-*} baggage;
 * servers hand the names in the client's spelling ({@code User-Agent}), and obs4j offers them in lower case.
 * Issue 24: that walk must not allocate a lower-case copy of each name per request, and must still find
 * the baggage whatever its spelling.
 */
class HeaderNameScanTest {

  /** Headers as a server holds them: looked up ignoring case, listed in the client's spelling. */
  private static final HeaderGetter<Map<String, String>> SERVER_GETTER =
      HeaderGetter.ignoringCase(HeaderNameScanTest::get, Map::keySet);

  private static @Nullable String get(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  private static Map<String, String> request(int extraHeaders) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    String[] names = {"Host", "User-Agent", "Accept", "Accept-Encoding", "Accept-Language", "Connection",
        "Cache-Control", "X-Request-Id", "Content-Type", "Authorization"};
    for (int i = 0; i < extraHeaders; i++) {
      // a fresh String each time, as a server parses each request's names anew
      headers.put(new String(names[i].toCharArray()), "v" + i);
    }
    return headers;
  }

  private static long bytesPerExtract(Propagation propagation, Map<String, String> headers) {
    long allocated = 0;
    int n = 20_000;
    for (int round = 0; round < 3; round++) { // the first rounds let the JIT compile
      long before = allocatedBytes();
      for (int i = 0; i < n; i++) {
        if (!Span.fromContext(propagation.extract(Context.root(), headers, SERVER_GETTER)).getSpanContext().isValid()) {
          throw new AssertionError("parent lost");
        }
      }
      allocated = allocatedBytes() - before;
    }
    return allocated / n;
  }

  @Test
  void extract_tenMixedCaseHeaderNames_noLowerCaseCopyPerName() {
    try (Obs obs = TestObs.builder("svc").propagators("tracecontext", "baggage", "jaeger").build()) {
      Propagation propagation = obs.propagation();
      long bare = bytesPerExtract(propagation, request(0));
      long withTen = bytesPerExtract(propagation, request(10));
      // a lower-case copy of each of the ten names would be at least 10 x 40 bytes
      assertThat(withTen - bare).as("bytes per extract for ten more header names (%d vs %d)", withTen, bare)
          .isLessThan(64);
    }
  }

  @Test
  void extract_jaegerBaggageInAnySpelling_found_otherNamesUntouched() {
    try (Obs obs = TestObs.builder("svc").propagators("tracecontext", "baggage", "jaeger").build()) {
      Map<String, String> headers = request(10);
      headers.put("Uberctx-Tenant", "acme");
      headers.put("uberctx-plan", "gold");
      headers.put("JAEGER-BAGGAGE", "region=eu");
      for (int i = 0; i < 3; i++) { // again once the names are known
        Baggage baggage = Baggage.fromContext(obs.propagation().extract(Context.root(), headers, SERVER_GETTER));
        assertThat(baggage.getEntryValue("tenant")).isEqualTo("acme");
        assertThat(baggage.getEntryValue("plan")).isEqualTo("gold");
        assertThat(baggage.getEntryValue("region")).isEqualTo("eu");
        assertThat(baggage.size()).isEqualTo(3);
      }
    }
  }

  /**
   * Issue 24: a request as a browser sends it, ten names and no trace header, read by every format obs4j
   * knows. Before, B3 built a log message for the missing {@code X-B3-TraceId}, W3C baggage an empty baggage
   * and its context, and the walk for Jaeger's baggage a lower-cased iterator over every name: 240 B or more
   * per request. Now a format without its headers is not read, and the walk allocates nothing.
   */
  @Test
  void extract_noTraceHeaders_everyFormat_allocatesAlmostNothing() {
    try (Obs obs = TestObs.builder("svc").build()) { // extracts tracecontext, baggage, jaeger, b3, b3multi
      Propagation propagation = obs.propagation();
      Map<String, String> request = request(10);
      request.remove("traceparent");
      // Looked up without an iterator per lookup, as Jetty's fields are: the test's own getter must not
      // allocate where the JIT cannot inline it (in the whole suite its call sites see many getters).
      String[][] pairs = request.entrySet().stream()
          .map(e -> new String[] {e.getKey(), e.getValue()}).toArray(String[][]::new);
      List<String> names = List.copyOf(request.keySet());
      HeaderGetter<String[][]> getter = HeaderGetter.ignoringCase(
          (carrier, name) -> {
            for (int i = 0; i < carrier.length; i++) {
              if (carrier[i][0].equalsIgnoreCase(name)) {
                return carrier[i][1];
              }
            }
            return null;
          },
          carrier -> names);
      long allocated = 0;
      int n = 20_000;
      for (int round = 0; round < 3; round++) {
        long before = allocatedBytes();
        for (int i = 0; i < n; i++) {
          Context context = propagation.extract(Context.root(), pairs, getter);
          if (Span.fromContext(context).getSpanContext().isValid() || !Baggage.fromContext(context).isEmpty()) {
            throw new AssertionError("found a parent or baggage in " + request);
          }
        }
        allocated = (allocatedBytes() - before) / n;
      }
      // left at most: the getter's adapter and the name list's iterator
      assertThat(allocated).as("bytes per extract without trace headers").isLessThan(100);
    }
  }

  /** B3 still read when only its multi-header trace id is there, in a server's spelling; W3C baggage too. */
  @Test
  void extract_b3MultiAndBaggage_inServerSpelling_stillRead() {
    try (Obs obs = TestObs.builder("svc").build()) {
      Map<String, String> headers = request(10);
      headers.remove("traceparent");
      headers.put("X-B3-TraceId", "4bf92f3577b34da6a3ce929d0e0e4736");
      headers.put("X-B3-SpanId", "00f067aa0ba902b7");
      headers.put("X-B3-Sampled", "1");
      headers.put("Baggage", "tenant=acme");
      Context context = obs.propagation().extract(Context.root(), headers, SERVER_GETTER);
      assertThat(Span.fromContext(context).getSpanContext().getSpanId()).isEqualTo("00f067aa0ba902b7");
      assertThat(Baggage.fromContext(context).getEntryValue("tenant")).isEqualTo("acme");
      headers.put("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01");
      context = obs.propagation().extract(Context.root(), headers, SERVER_GETTER);
      assertThat(Span.fromContext(context).getSpanContext().getSpanId()).as("W3C wins over B3")
          .isEqualTo("1111111111111111");
    }
  }

  /** Jaeger carries a parent and baggage, and is read once for both: one uber-trace-id lookup, one walk. */
  @Test
  void extract_jaegerParentAndBaggage_readOnce() {
    try (Obs obs = TestObs.builder("svc").build()) {
      Map<String, String> headers = request(10);
      headers.remove("traceparent");
      headers.put("uber-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1");
      headers.put("Uberctx-Tenant", "acme");
      Map<String, Integer> lookups = new java.util.HashMap<>();
      int[] walks = {0};
      HeaderGetter<Map<String, String>> counting = HeaderGetter.ignoringCase(
          (carrier, name) -> {
            lookups.merge(name.toLowerCase(java.util.Locale.ROOT), 1, Integer::sum);
            return get(carrier, name);
          },
          carrier -> {
            walks[0]++;
            return carrier.keySet();
          });
      Context context = obs.propagation().extract(Context.root(), headers, counting);
      assertThat(Span.fromContext(context).getSpanContext().getSpanId()).isEqualTo("00f067aa0ba902b7");
      assertThat(Baggage.fromContext(context).getEntryValue("tenant")).isEqualTo("acme");
      assertThat(lookups.get("uber-trace-id")).as("uber-trace-id lookups").isEqualTo(1);
      assertThat(walks[0]).as("walks over the header names").isEqualTo(1);
    }
  }

  /** Bytes this thread has allocated, through {@code com.sun.management.ThreadMXBean} by reflection. */
  static long allocatedBytes() {
    try {
      java.lang.reflect.Method m =
          Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
      return (long) m.invoke(ManagementFactory.getThreadMXBean());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
