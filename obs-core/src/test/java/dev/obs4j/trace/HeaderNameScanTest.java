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
