/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import io.jaegertracing.thriftjava.Log;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import io.jaegertracing.thriftjava.TagType;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What {@link JaegerThriftMapper} writes for spans made by the SDK, compared with the official exporter. */
class JaegerMappingTest {

  private static SpanData span(SpanLimits limits, Consumer<io.opentelemetry.api.trace.Span> body) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setSpanLimits(limits)
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build()) {
      io.opentelemetry.api.trace.Span span =
          provider.tracerBuilder("dev.example.orders").setInstrumentationVersion("2.1.0").build()
              .spanBuilder("work")
              .startSpan();
      body.accept(span);
      span.end();
      return memory.getFinishedSpanItems().get(0);
    }
  }

  private static SpanData span(Consumer<io.opentelemetry.api.trace.Span> body) {
    return span(SpanLimits.getDefault(), body);
  }

  private static Map<String, Tag> tags(List<Tag> tags) {
    return tags.stream().collect(Collectors.toMap(Tag::getKey, Function.identity(), (a, b) -> b));
  }

  @Test
  void toSpan_scope_asBothScopeAndLibraryTags() {
    Map<String, Tag> tags = tags(JaegerThriftMapper.toSpan(span(s -> {})).getTags());

    assertThat(tags.get("otel.scope.name").getVStr()).isEqualTo("dev.example.orders");
    assertThat(tags.get("otel.scope.version").getVStr()).isEqualTo("2.1.0");
    assertThat(tags.get("otel.library.name").getVStr()).isEqualTo("dev.example.orders");
    assertThat(tags.get("otel.library.version").getVStr()).isEqualTo("2.1.0");
  }

  @Test
  void toSpan_spanLimitsDroppedData_countsOnSpanAndEvent() {
    SpanLimits limits =
        SpanLimits.builder()
            .setMaxNumberOfAttributes(2)
            .setMaxNumberOfEvents(1)
            .setMaxNumberOfLinks(1)
            .setMaxNumberOfAttributesPerEvent(1)
            .build();
    SpanContext linked =
        SpanContext.create(
            "0af7651916cd43dd8448eb211c80319c",
            "b7ad6b7169203331",
            TraceFlags.getSampled(),
            TraceState.getDefault());
    SpanData data =
        span(
            limits,
            s -> {
              for (int i = 0; i < 5; i++) {
                s.setAttribute("a" + i, i);
                s.addLink(linked);
              }
              s.addEvent("first", Attributes.builder().put("x", 1).put("y", 2).put("z", 3).build());
              s.addEvent("second");
              s.addEvent("third");
            });

    Span span = JaegerThriftMapper.toSpan(data);
    Map<String, Tag> tags = tags(span.getTags());
    assertThat(tags.get("otel.dropped_attributes_count").getVLong()).isEqualTo(3);
    assertThat(tags.get("otel.dropped_events_count").getVLong()).isEqualTo(2);
    assertThat(tags.get("otel.dropped_links_count").getVLong()).isEqualTo(4);
    assertThat(span.getLogs()).hasSize(1);
    Map<String, Tag> fields = tags(span.getLogs().get(0).getFields());
    assertThat(fields.get("otel.event.dropped_attributes_count").getVLong()).isEqualTo(2);
    assertThat(fields.get("otel.event.dropped_attributes_count").getVType()).isEqualTo(TagType.LONG);
  }

  @Test
  void toSpan_nothingDropped_noDroppedCountTags() {
    Span span = JaegerThriftMapper.toSpan(span(s -> s.addEvent("e", Attributes.builder().put("k", "v").build())));

    assertThat(tags(span.getTags())).doesNotContainKeys(
        "otel.dropped_attributes_count", "otel.dropped_events_count", "otel.dropped_links_count");
    assertThat(tags(span.getLogs().get(0).getFields())).doesNotContainKey("otel.event.dropped_attributes_count");
  }

  @Test
  void toSpan_valueAttributes_bytesAsBinary_structuresAsJson() {
    SpanData data =
        span(
            s -> {
              s.setAttribute(AttributeKey.valueKey("payload"), Value.of("héllo".getBytes(StandardCharsets.UTF_8)));
              s.setAttribute(
                  AttributeKey.valueKey("order"),
                  Value.of(Map.of("id", Value.of(42L))));
              s.setAttribute(
                  AttributeKey.valueKey("mixed"),
                  Value.of(Value.of("a"), Value.of(1.5), Value.of(Double.NaN), Value.of(true)));
            });

    Map<String, Tag> tags = tags(JaegerThriftMapper.toSpan(data).getTags());
    Tag payload = tags.get("payload");
    assertThat(payload.getVType()).isEqualTo(TagType.BINARY);
    assertThat(payload.getVBinary()).isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));
    assertThat(tags.get("order").getVType()).isEqualTo(TagType.STRING);
    assertThat(tags.get("order").getVStr()).isEqualTo("{\"id\":42}");
    assertThat(tags.get("mixed").getVStr()).isEqualTo("[\"a\",1.5,\"NaN\",true]");
  }

  @Test
  void toSpan_doubleArrayWithNanAndInfinity_isValidJson() {
    SpanData data =
        span(
            s ->
                s.setAttribute(
                    AttributeKey.doubleArrayKey("samples"),
                    List.of(1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2e10)));

    Tag samples = tags(JaegerThriftMapper.toSpan(data).getTags()).get("samples");
    // JSON has no NaN or Infinity literals: they travel as strings, as OpenTelemetry's JSON encoding writes them
    assertThat(samples.getVStr()).isEqualTo("[1.5,\"NaN\",\"Infinity\",\"-Infinity\",2.0E10]");
  }

  @Test
  void toSpan_otherArrays_asJson() {
    SpanData data =
        span(
            s -> {
              s.setAttribute(AttributeKey.stringArrayKey("names"), List.of("a\"b", "c\\d", "e\nf"));
              s.setAttribute(AttributeKey.longArrayKey("ids"), List.of(1L, 2L));
              s.setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false));
            });

    Map<String, Tag> tags = tags(JaegerThriftMapper.toSpan(data).getTags());
    assertThat(tags.get("names").getVStr()).isEqualTo("[\"a\\\"b\",\"c\\\\d\",\"e\\u000af\"]");
    assertThat(tags.get("ids").getVStr()).isEqualTo("[1,2]");
    assertThat(tags.get("flags").getVStr()).isEqualTo("[true,false]");
  }

  @Test
  void toSpan_errorWithoutDescription_noStatusDescriptionTag() {
    Span span = JaegerThriftMapper.toSpan(span(s -> s.setStatus(StatusCode.ERROR)));

    Map<String, Tag> tags = tags(span.getTags());
    assertThat(tags.get("otel.status_code").getVStr()).isEqualTo("ERROR");
    assertThat(tags.get("error").isVBool()).isTrue();
    assertThat(tags).doesNotContainKey("otel.status_description");
  }

  @Test
  void toSpan_exceptionEvent_asLogWithEventField() {
    Span span = JaegerThriftMapper.toSpan(span(s -> s.recordException(new IllegalStateException("no stock"))));

    Log log = span.getLogs().get(0);
    Map<String, Tag> fields = tags(log.getFields());
    assertThat(fields.get("event").getVStr()).isEqualTo("exception");
    assertThat(fields.get("exception.message").getVStr()).isEqualTo("no stock");
    assertThat(fields.get("exception.stacktrace").getVStr()).startsWith("java.lang.IllegalStateException: no stock");
  }
}
