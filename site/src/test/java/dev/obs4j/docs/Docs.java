/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import dev.obs4j.Obs;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Test scaffolding around the documented snippets, never shown on a page: an {@code Obs} whose spans stay in
 * memory for the asserts (through {@code Obs.Builder.addSpanProcessor}), and bounded HTTP calls on loopback.
 */
final class Docs {
  private static final HttpClient PLAIN =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private Docs() {}

  /**
   * Like {@code Obs.builder().serviceName(service)}, plus an in-memory exporter; no obs4j exporter, no
   * shutdown hook, no JVM meters and no global registration, so that tests do not disturb each other.
   */
  static Obs.Builder builder(String service, InMemorySpanExporter spans) {
    return recording(Obs.builder().serviceName(service), spans)
        .set("OTEL_TRACES_EXPORTER", "none")
        .set("OBS4J_METRICS_JVM", "false");
  }

  /** {@code builder} plus the in-memory exporter, without a shutdown hook or global registration. */
  static Obs.Builder recording(Obs.Builder builder, InMemorySpanExporter spans) {
    return builder
        .shutdownHook(false)
        .set("OBS4J_REGISTER_GLOBAL", "false")
        .addSpanProcessor(processor(spans));
  }

  /** A span processor that hands every ended span to {@code spans}. */
  static SpanProcessor processor(InMemorySpanExporter spans) {
    return SimpleSpanProcessor.create(keptAfterClose(spans));
  }

  /** The in-memory exporter clears its spans on shutdown; the asserts read them after the Obs is closed. */
  private static SpanExporter keptAfterClose(InMemorySpanExporter spans) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> batch) {
        return spans.export(batch);
      }

      @Override
      public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }

  /** The one finished span called {@code name}. */
  static SpanData span(InMemorySpanExporter spans, String name) {
    return one(spans, s -> s.getName().equals(name), "named " + name);
  }

  /** The one finished span of {@code kind}. */
  static SpanData span(InMemorySpanExporter spans, SpanKind kind) {
    return one(spans, s -> s.getKind() == kind, "of kind " + kind);
  }

  /**
   * The one finished span of {@code kind}, waited for (at most 10 s): a span that ends on another thread (a gRPC
   * server's, once the call closed) may end after the caller got its answer.
   */
  static SpanData awaitSpan(InMemorySpanExporter spans, SpanKind kind) throws InterruptedException {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (spans.getFinishedSpanItems().stream().noneMatch(s -> s.getKind() == kind) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return span(spans, kind);
  }

  private static SpanData one(InMemorySpanExporter spans, Predicate<SpanData> wanted, String what) {
    List<SpanData> found = spans.getFinishedSpanItems().stream().filter(wanted).toList();
    if (found.size() != 1) {
      throw new AssertionError("want one span " + what + ", have " + spans.getFinishedSpanItems());
    }
    return found.get(0);
  }

  /**
   * Waits (at most 10 s) until a span called {@code name} has ended: a server span ends after the response
   * is sent, so the client may see the response first.
   */
  static SpanData await(InMemorySpanExporter spans, String name) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (spans.getFinishedSpanItems().stream().anyMatch(s -> s.getName().equals(name))) {
        return span(spans, name);
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no span " + name + " within 10 s; have " + spans.getFinishedSpanItems());
  }

  /** A bounded GET with the given request headers, through a client obs4j does not know about. */
  static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    headers.forEach(request::header);
    return PLAIN.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String url) throws Exception {
    return get(url, Map.of());
  }

  /** The Prometheus text of {@code obs}'s registry. */
  static String scrape(Obs obs) {
    return obs.meterRegistry().scrape();
  }

  /** Runs {@code check} until it passes or 10 s have gone by (meters recorded after a response is sent). */
  static void eventually(Runnable check) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        check.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(10);
      }
    }
  }
}
