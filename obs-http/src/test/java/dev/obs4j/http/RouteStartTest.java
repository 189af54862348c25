/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.instrument.Operation;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.ReadableSpan;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Issue 24: a route's span names and start attributes are made once, not per request. The span a sampler
 * sees is still named {@code METHOD route} for every method on every route, {@code HTTP route} for an
 * unknown method, the method alone without a route, with {@code http.route} set at the start.
 */
class RouteStartTest {

  private static HttpServerRequest request(String method, @Nullable String route) {
    return new HttpServerRequest() {
      @Override
      public String method() {
        return method;
      }

      @Override
      public String path() {
        return "/x";
      }

      @Override
      public @Nullable String route() {
        return route;
      }

      @Override
      public @Nullable String header(String name) {
        return null;
      }

      @Override
      public Iterable<String> headerNames() {
        return List.of();
      }
    };
  }

  /** The span's name and {@code http.route} as they were at the start (end names the span again). */
  private static List<@Nullable String> start(HttpServerHandler handler, String method, @Nullable String route) {
    Map<String, String> headers = new HashMap<>();
    HttpServerRequest request = request(method, route);
    Operation operation = handler.start(request, headers, Map::put);
    ReadableSpan span = (ReadableSpan) operation.span();
    List<@Nullable String> atStart = java.util.Arrays.asList(span.getName(), span.getAttribute(HttpServerHandler.ROUTE));
    try (Scope ignored = operation.makeCurrent()) {
      // the application's handler
    }
    handler.end(operation, HttpServerResponse.of(request, 200), null);
    return atStart;
  }

  @Test
  void spanNameAndRoute_atStart_perMethodAndRoute_everyTime() {
    try (Obs obs = Obs.builder().serviceName("routes").shutdownHook(false).sampler("always_on")
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").build()) {
      HttpServerHandler handler = ObsHttp.create(obs).serverHandler();
      for (int i = 0; i < 3; i++) { // again once the route is known
        for (String route : List.of("/orders/{id}", "/users/{id}")) {
          assertStart(start(handler, "GET", route), "GET " + route, route);
          assertStart(start(handler, "POST", route), "POST " + route, route);
          assertStart(start(handler, "get", route), "GET " + route, route);
          assertStart(start(handler, "QUERY", route), "QUERY " + route, route);
          assertStart(start(handler, "BREW", route), "HTTP " + route, route);
        }
        assertStart(start(handler, "DELETE", null), "DELETE", null);
      }
    }
  }

  /** Past the routes kept (256), a route's span is still named and attributed, made per request. */
  @Test
  void manyRoutes_pastTheBound_stillNamed() {
    try (Obs obs = Obs.builder().serviceName("routes").shutdownHook(false).sampler("always_on")
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").build()) {
      HttpServerHandler handler = ObsHttp.create(obs).serverHandler();
      for (int i = 0; i < 300; i++) {
        String route = "/r" + i + "/{id}";
        assertStart(start(handler, i % 2 == 0 ? "GET" : "PUT", route), (i % 2 == 0 ? "GET " : "PUT ") + route, route);
      }
    }
  }

  private static void assertStart(List<@Nullable String> atStart, String name, @Nullable String route) {
    assertThat(atStart).containsExactly(name, route);
  }
}
