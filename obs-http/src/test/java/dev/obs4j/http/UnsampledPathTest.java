/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.instrument.Operation;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.context.Scope;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The request path of a service that does not sample (issue 24): RED metrics and the trace-id response
 * headers are exactly what they were, and looking up the {@code http.server.requests} timer allocates nothing.
 */
class UnsampledPathTest {

  private static HttpServerRequest request(String method, @Nullable String route) {
    Map<String, String> headers = Map.of(
        "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "User-Agent", "wrk", "Host", "127.0.0.1:8080", "Accept", "*/*");
    return new HttpServerRequest() {
      @Override
      public String method() {
        return method;
      }

      @Override
      public String path() {
        return "/orders/17";
      }

      @Override
      public @Nullable String route() {
        return route;
      }

      @Override
      public @Nullable String header(String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
          if (e.getKey().equalsIgnoreCase(name)) {
            return e.getValue();
          }
        }
        return null;
      }

      @Override
      public Iterable<String> headerNames() {
        return headers.keySet();
      }
    };
  }

  private static Obs obs() {
    return Obs.builder().serviceName("unsampled").shutdownHook(false).sampler("always_off")
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").build();
  }

  private static Map<String, String> serve(HttpServerHandler handler, HttpServerRequest request, int status,
      @Nullable Throwable error) {
    Map<String, String> headers = new HashMap<>();
    Operation operation = handler.start(request, headers, Map::put);
    try (Scope ignored = operation.makeCurrent()) {
      // the application's handler
    }
    handler.end(operation, HttpServerResponse.of(request, status), error);
    return headers;
  }

  @Test
  void unsampled_recordsRedMetricsPerMethodRouteStatusAndException_andSetsTraceHeaders() {
    try (Obs obs = obs()) {
      HttpServerHandler handler = ObsHttp.create(obs).serverHandler();
      for (int i = 0; i < 3; i++) {
        Map<String, String> headers = serve(handler, request("GET", "/orders/{id}"), 200, null);
        assertThat(headers.get("traceresponse")).matches("00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00");
        assertThat(headers.get("X-Trace-Id")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
      }
      serve(handler, request("get", "/orders/{id}"), 200, null);
      serve(handler, request("POST", "/orders/{id}"), 201, null);
      serve(handler, request("GET", "/orders/{id}"), 503, null);
      serve(handler, request("BREW", "/orders/{id}"), 200, null);
      serve(handler, request("GET", null), 404, null);
      serve(handler, request("GET", null), 302, null);
      serve(handler, request("GET", "/orders/{id}"), 200, new IllegalStateException("boom"));
      serve(handler, request("GET", "/orders/{id}"), 999, null);

      assertThat(count(obs, "GET", "/orders/{id}", "200", "SUCCESS", "None")).isEqualTo(4);
      assertThat(count(obs, "POST", "/orders/{id}", "201", "SUCCESS", "None")).isEqualTo(1);
      assertThat(count(obs, "GET", "/orders/{id}", "503", "SERVER_ERROR", "None")).isEqualTo(1);
      assertThat(count(obs, "_OTHER", "/orders/{id}", "200", "SUCCESS", "None")).isEqualTo(1);
      assertThat(count(obs, "GET", "NOT_FOUND", "404", "CLIENT_ERROR", "None")).isEqualTo(1);
      assertThat(count(obs, "GET", "REDIRECTION", "302", "REDIRECTION", "None")).isEqualTo(1);
      assertThat(count(obs, "GET", "/orders/{id}", "500", "SERVER_ERROR", "IllegalStateException")).isEqualTo(1);
      assertThat(count(obs, "GET", "/orders/{id}", "999", "UNKNOWN", "None")).isEqualTo(1);
      assertThat(obs.meterRegistry().find("http.server.requests").timers().stream().mapToLong(Timer::count).sum())
          .isEqualTo(11);
    }
  }

  private static long count(Obs obs, String method, String uri, String status, String outcome, String exception) {
    Timer timer = obs.meterRegistry().find("http.server.requests")
        .tags("method", method, "uri", uri, "status", status, "outcome", outcome, "exception", exception).timer();
    assertThat(timer).as("timer %s %s %s %s %s", method, uri, status, outcome, exception).isNotNull();
    return timer.count();
  }

  @Test
  void timerLookup_repeatedRequest_allocatesNothing() {
    try (Obs obs = obs()) {
      HttpServerHandler handler = ObsHttp.create(obs).serverHandler();
      String route = "/orders/{id}";
      List<String> methods = List.of("GET", "POST", "_OTHER");
      int[] statuses = {200, 201, 404, 500};
        long allocated = 0;
      int calls = 0;
      for (int round = 0; round < 3; round++) { // the first rounds fill the caches and let the JIT compile
        long before = allocatedBytes();
        calls = 0;
        for (int i = 0; i < 50_000; i++) {
          String method = methods.get(i % methods.size());
          int status = statuses[i % statuses.length];
          Timer timer = handler.timer(method, route, status, "None");
          if (timer == null) {
            throw new AssertionError("no timer");
          }
          calls++;
        }
        allocated = allocatedBytes() - before;
      }
      assertThat((double) allocated / calls).as("bytes allocated per timer lookup").isLessThan(1.0);
      Timer timer = handler.timer("POST", route, 404, "None");
      assertThat(timer.getId().getTag("method")).isEqualTo("POST");
      assertThat(timer.getId().getTag("status")).isEqualTo("404");
      assertThat(timer.getId().getTag("outcome")).isEqualTo("CLIENT_ERROR");
      assertThat(timer.getId().getTag("uri")).isEqualTo(route);
      assertThat(timer).isSameAs(obs.meterRegistry().find("http.server.requests")
          .tags("method", "POST", "uri", route, "status", "404", "exception", "None").timer());
      assertThat(String.format(Locale.ROOT, "%.2f", (double) allocated / calls)).isNotEmpty();
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
