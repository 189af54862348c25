/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import dev.obs4j.Obs;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.logging.log4j.layout.template.json.util.JsonReader;

/** A service under test: an Obs whose spans land in memory, and the JSON log lines the tests write. */
final class Recorder implements AutoCloseable {
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final Obs obs;
  final ObsHttp http;

  Recorder(String service) {
    this(service, builder -> builder);
  }

  /** As {@link #Recorder(String)}, with {@code more} settings (a sampler, another span processor). */
  Recorder(String service, UnaryOperator<Obs.Builder> more) {
    this.obs =
        more.apply(Obs.builder()
            .serviceName(service)
            .shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none")
            // the defaults: inject W3C, baggage and Jaeger; extract every known format
            .set("OBS4J_METRICS_JVM", "false")
            .addSpanProcessor(SimpleSpanProcessor.create(spans)))
            .build();
    this.http = ObsHttp.create(obs);
  }

  /** Waits (bounded) until a span of {@code kind} has ended, then returns them all. */
  List<SpanData> await(SpanKind kind, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).count() < count
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return spans.getFinishedSpanItems();
  }

  SpanData server() throws InterruptedException {
    List<SpanData> servers =
        await(SpanKind.SERVER, 1).stream().filter(s -> s.getKind() == SpanKind.SERVER).toList();
    if (servers.size() != 1) {
      throw new AssertionError("expected one server span, got " + servers);
    }
    return servers.get(0);
  }

  Timer timer(String name, String... tags) {
    return obs.meterRegistry().get(name).tags(tags).timer();
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> logLines(Predicate<Map<String, Object>> filter) throws Exception {
    Path file = Path.of(System.getProperty("obs4j.test.log", "target/obs4j-test.log"));
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .map(line -> (Map<String, Object>) JsonReader.read(line))
        .filter(filter)
        .toList();
  }

  @Override
  public void close() {
    obs.close();
  }
}
