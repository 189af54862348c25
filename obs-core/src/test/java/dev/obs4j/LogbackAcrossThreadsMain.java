/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import dev.obs4j.instrument.Operation;
import dev.obs4j.testing.TestObs;
import dev.obs4j.trace.HeaderGetter;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A service on Logback (whose MDC is all it has: no log4j2 provider) handing a request's work to a wrapped
 * single-thread pool, then an unrelated task to the same thread. Prints the trace and span ids to compare.
 */
public final class LogbackAcrossThreadsMain {
  private static final Logger log = LoggerFactory.getLogger("orders");

  private LogbackAcrossThreadsMain() {}

  public static void main(String[] args) throws Exception {
    ExecutorService raw = Executors.newSingleThreadExecutor();
    ExecutorService pool = ObsContext.wrap(raw);
    try (Obs obs = TestObs.builder("orders").build()) {
      HeaderGetter<Map<String, String>> getter = HeaderGetter.of(Map::get, Map::keySet);
      Operation op =
          obs.operations().startEntry(Map.of(), getter, "GET /orders/{id}", SpanKind.SERVER, Attributes.empty());
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("alice");
        MDC.put("request.origin", "mobile");
        pool.submit(() -> obs.runInSpan("load order", () -> {
          ObsContext.set("tenant.id", "acme");
          log.info("in the pool");
          System.out.println("span: " + Span.current().getSpanContext().getSpanId());
        })).get(10, TimeUnit.SECONDS);
        MDC.remove("request.origin");
      }
      obs.operations().end(op, null, false, null, null, null);
      raw.submit(() -> log.info("the next task")).get(10, TimeUnit.SECONDS); // unwrapped: the thread as left
      System.out.println("backend: " + LoggerFactory.getILoggerFactory().getClass().getName());
      System.out.println("trace: " + op.traceId());
    } finally {
      pool.shutdownNow();
    }
  }
}
