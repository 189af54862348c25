/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

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
import org.apache.logging.log4j.layout.template.json.util.JsonReader;

/** A service under test: an Obs whose spans land in memory, and the JSON log lines the tests write. */
final class Recorder implements AutoCloseable {
  final InMemorySpanExporter spans = InMemorySpanExporter.create();
  final Obs obs;

  Recorder(String service, String propagators) {
    this.obs =
        Obs.builder()
            .serviceName(service)
            .shutdownHook(false)
            .set("OTEL_TRACES_EXPORTER", "none")
            .set("OBS4J_METRICS_JVM", "false")
            .propagators(propagators)
            .addSpanProcessor(SimpleSpanProcessor.create(spans))
            .build();
  }

  /** The one span of {@code kind}, waiting (bounded) for it to end. */
  SpanData only(SpanKind kind) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<SpanData> found;
    do {
      found = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
      if (found.size() == 1) {
        return found.get(0);
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected one " + kind + " span, got " + found);
  }

  SpanData named(String name) {
    return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
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
