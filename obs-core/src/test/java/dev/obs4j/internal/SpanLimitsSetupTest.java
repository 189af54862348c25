/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.ObsConfigException;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The standard span limit settings, read into the SDK's {@link SpanLimits}. */
class SpanLimitsSetupTest {

  private static Settings settings(Map<String, String> values) {
    return new Settings(values, name -> null, name -> null);
  }

  @Test
  void spanLimits_nothingSet_sdkDefaults() {
    assertThat(SpanLimitsSetup.spanLimits(settings(Map.of()))).isEqualTo(SpanLimits.getDefault());
  }

  @Test
  void spanLimits_eachSetting_setsItsLimit() {
    SpanLimits limits =
        SpanLimitsSetup.spanLimits(
            settings(
                Map.of(
                    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "1000",
                    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "10",
                    "OTEL_SPAN_EVENT_COUNT_LIMIT", "11",
                    "OTEL_SPAN_LINK_COUNT_LIMIT", "12",
                    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "13",
                    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "14")));

    assertThat(limits.getMaxAttributeValueLength()).isEqualTo(1000);
    assertThat(limits.getMaxNumberOfAttributes()).isEqualTo(10);
    assertThat(limits.getMaxNumberOfEvents()).isEqualTo(11);
    assertThat(limits.getMaxNumberOfLinks()).isEqualTo(12);
    assertThat(limits.getMaxNumberOfAttributesPerEvent()).isEqualTo(13);
    assertThat(limits.getMaxNumberOfAttributesPerLink()).isEqualTo(14);
  }

  @Test
  void spanLimits_generalLimits_applyWhereNoSpecificOneIsSet() {
    SpanLimits limits =
        SpanLimitsSetup.spanLimits(
            settings(
                Map.of(
                    "OTEL_ATTRIBUTE_COUNT_LIMIT", "20",
                    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "5",
                    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "300",
                    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "200")));

    assertThat(limits.getMaxNumberOfAttributes()).isEqualTo(20);
    assertThat(limits.getMaxNumberOfAttributesPerLink()).isEqualTo(20);
    assertThat(limits.getMaxNumberOfAttributesPerEvent()).isEqualTo(5);
    assertThat(limits.getMaxAttributeValueLength()).isEqualTo(200);
    assertThat(limits.getMaxNumberOfEvents()).isEqualTo(SpanLimits.getDefault().getMaxNumberOfEvents());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_SPAN_EVENT_COUNT_LIMIT",
        "OTEL_SPAN_LINK_COUNT_LIMIT",
        "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT"
      })
  void spanLimits_badValue_failsNamingTheSetting(String setting) {
    for (String bad : new String[] {"-1", "many", "1.5"}) {
      assertThatThrownBy(() -> SpanLimitsSetup.spanLimits(settings(Map.of(setting, bad))))
          .isInstanceOf(ObsConfigException.class)
          .hasMessageContaining(setting)
          .satisfies(e -> assertThat(((ObsConfigException) e).setting()).isEqualTo(setting));
    }
  }

  @Test
  void spanLimits_zero_isAccepted() {
    SpanLimits limits = SpanLimitsSetup.spanLimits(settings(Map.of("OTEL_SPAN_EVENT_COUNT_LIMIT", "0")));
    assertThat(limits.getMaxNumberOfEvents()).isZero();
  }

  @Test
  void spanLimits_onATracerProvider_shortenValuesAndDropEvents() {
    SpanLimits limits =
        SpanLimitsSetup.spanLimits(
            settings(Map.of("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "8", "OTEL_SPAN_EVENT_COUNT_LIMIT", "2")));
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SpanData data;
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setSpanLimits(limits)
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build()) {
      Span span = provider.get("test").spanBuilder("limited").startSpan();
      span.setAttribute("note", "0123456789abcdef");
      for (int i = 0; i < 5; i++) {
        span.addEvent("event-" + i, Attributes.builder().put("detail", "0123456789abcdef").build());
      }
      span.end();
      data = memory.getFinishedSpanItems().get(0);
    }

    assertThat(data.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("note")))
        .isEqualTo("01234567");
    assertThat(data.getEvents()).hasSize(2);
    assertThat(data.getTotalRecordedEvents()).isEqualTo(5);
    assertThat(data.getEvents().get(0).getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("detail")))
        .isEqualTo("01234567");
  }

  @Test
  void obs_appliesTheLimits_toTheSpansItRecords() {
    try (dev.obs4j.testing.SpanRecorder recorder =
        new dev.obs4j.testing.SpanRecorder(
            dev.obs4j.testing.TestObs.builder("svc")
                .set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2")
                .set("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "5"))) {
      recorder.obs.runInSpan("limited", () -> {
        io.opentelemetry.api.trace.Span span = io.opentelemetry.api.trace.Span.current();
        span.setAttribute("a", "0123456789");
        span.setAttribute("b", "x");
        span.setAttribute("c", "y");
      });
      io.opentelemetry.sdk.trace.data.SpanData span = recorder.only();
      org.assertj.core.api.Assertions.assertThat(span.getAttributes().size()).isEqualTo(2);
      org.assertj.core.api.Assertions.assertThat(span.getTotalAttributeCount()).isEqualTo(3);
      org.assertj.core.api.Assertions.assertThat(
              span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey("a")))
          .isEqualTo("01234");
    }
  }
}
