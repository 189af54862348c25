/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.obs4j.Obs;
import dev.obs4j.ObsConfigException;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** configuration.adoc: where a setting comes from, what a bad value does, the defaults. */
class ConfigurationDocTest {
  @Test
  void forcedInCodeBeatsSystemPropertyBeatsSetInCode() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    // What an operator passes as -Dotel.service.name=... -Dobs4j.environment=... on the command line.
    System.setProperty("otel.service.name", "orders-eu");
    System.setProperty("obs4j.environment", "staging");
    System.setProperty("otel.traces.sampler.arg", "1.0");
    String service;
    String scrape;
    try {
      // tag::precedence[]
      Obs obs = Obs.builder()
          .serviceName("orders")                        // OTEL_SERVICE_NAME overrides it
          .sampler("parentbased_traceidratio", "0.25")  // OTEL_TRACES_SAMPLER(_ARG) too
          .force("OBS4J_ENVIRONMENT", "production")     // nothing overrides this one
          // end::precedence[]
          .set("OTEL_TRACES_EXPORTER", "none")
          .set("OBS4J_METRICS_JVM", "false")
          .set("OBS4J_REGISTER_GLOBAL", "false")
          .shutdownHook(false)
          .addSpanProcessor(Docs.processor(spans))
          // tag::precedence[]
          .build();
      // end::precedence[]
      try (obs) {
        for (int i = 0; i < 20; i++) {
          obs.runInSpan("order " + i, () -> {});
        }
        service = obs.serviceName();
        scrape = Docs.scrape(obs);
      }
    } finally {
      System.clearProperty("otel.service.name");
      System.clearProperty("obs4j.environment");
      System.clearProperty("otel.traces.sampler.arg");
    }
    assertThat(service).as("the system property beats serviceName(...)").isEqualTo("orders-eu");
    assertThat(spans.getFinishedSpanItems())
        .as("otel.traces.sampler.arg=1.0 beats the 0.25 set in code: every trace sampled")
        .hasSize(20);
    SpanData span = Docs.span(spans, "order 0");
    assertThat(span.getResource().getAttribute(AttributeKey.stringKey("deployment.environment.name")))
        .as("force(...) beats the system property")
        .isEqualTo("production");
    assertThat(scrape).contains("env=\"production\"").contains("service=\"orders-eu\"");
  }

  @Test
  void aBadValueFailsBuildNamingTheSettingAndWhatItAccepts() {
    ObsConfigException error =
        catchThrowableOfType(
            ObsConfigException.class,
            () -> Obs.builder().serviceName("orders").shutdownHook(false).sampler("sometimes").build());
    assertThat(error.setting()).isEqualTo("OTEL_TRACES_SAMPLER");
    assertThat(error.getMessage())
        .contains("OTEL_TRACES_SAMPLER")
        .contains("otel.traces.sampler")
        .contains("parentbased_always_on");
  }

  @Test
  void theDefaultsAreTheOnesInTheTable() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.recording(Obs.builder().serviceName("orders"), spans)
        .set("OTEL_TRACES_EXPORTER", "logging") // a real exporter with its queue, writing to java.util.logging
        .set("OBS4J_METRICS_JVM", "false")
        .build()) {
      assertThat(obs.metricsServerAddress()).as("OBS4J_METRICS_SERVER=false").isNull();
      assertThat(obs.propagation().fields())
          .as("OTEL_PROPAGATORS=tracecontext,baggage,jaeger")
          .contains("traceparent", "baggage", "uber-trace-id")
          .doesNotContain("b3", "x-b3-traceid");
      obs.runInSpan("load order", () -> {});
      assertThat(Docs.span(spans, "load order").getSpanContext().isSampled())
          .as("OTEL_TRACES_SAMPLER=parentbased_always_on")
          .isTrue();
      assertThat(Docs.scrape(obs))
          .as("OTEL_BSP_MAX_QUEUE_SIZE=2048")
          .contains("obs4j_export_queue_capacity{exporter=\"logging\",service=\"orders\"} 2048");
    }
  }

  /**
   * The tables on configuration.adoc against the code: every setting the published modules read is in a
   * table, every setting in a table is read, and each row's system property is the name's dotted form.
   */
  @Test
  void theSettingsTablesListEverySettingTheCodeReads() throws IOException {
    String page = Files.readString(Paths.get("src", "docs", "asciidoc", "configuration.adoc"));
    Map<String, String> documented = new TreeMap<>();
    Matcher row = Pattern.compile("(?m)^\\| `((?:OTEL|OBS4J|JAEGER)_[A-Z0-9_]+)` \\+\n`([a-z0-9.]+)`( \\+)?$").matcher(page);
    while (row.find()) {
      documented.put(row.group(1), row.group(2));
    }
    Set<String> read = new TreeSet<>();
    Pattern name = Pattern.compile("\"((?:OTEL|OBS4J|JAEGER)_[A-Z0-9_]+)\"");
    for (String module : List.of("obs-core", "obs-http", "obs-jdbc", "obs-messaging", "obs-grpc")) {
      try (Stream<Path> sources = Files.walk(Paths.get("..", module, "src", "main", "java"))) {
        for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
          Matcher found = name.matcher(Files.readString(source));
          while (found.find()) {
            read.add(found.group(1));
          }
        }
      }
    }
    assertThat(read).hasSizeGreaterThan(40);
    assertThat(documented.keySet()).isEqualTo(read);
    documented.forEach((setting, property) ->
        assertThat(property).isEqualTo(setting.toLowerCase(Locale.ROOT).replace('_', '.')));
  }
}
