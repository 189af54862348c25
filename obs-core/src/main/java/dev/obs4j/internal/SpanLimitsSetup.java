/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.sdk.trace.SpanLimits;

/**
 * Internal, not for public use. Reads OpenTelemetry's standard span limits from the settings, with the SDK's
 * defaults (128 attributes, events and links per span, 128 attributes per event and per link, attribute
 * values of any length). As the specification says, {@code OTEL_ATTRIBUTE_COUNT_LIMIT} and
 * {@code OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT} apply wherever a more specific setting
 * ({@code OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT}, {@code OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT},
 * {@code OTEL_LINK_ATTRIBUTE_COUNT_LIMIT}, {@code OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT}) is not set.
 */
public final class SpanLimitsSetup {
  private SpanLimitsSetup() {}

  /** The span limits; a value that is not a whole number from 0 fails, naming its setting. */
  public static SpanLimits spanLimits(Settings settings) {
    SpanLimits defaults = SpanLimits.getDefault();
    int attributes = count(settings, "OTEL_ATTRIBUTE_COUNT_LIMIT", defaults.getMaxNumberOfAttributes());
    int valueLength =
        count(settings, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", defaults.getMaxAttributeValueLength());
    return SpanLimits.builder()
        .setMaxAttributeValueLength(count(settings, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", valueLength))
        .setMaxNumberOfAttributes(count(settings, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", attributes))
        .setMaxNumberOfEvents(
            count(settings, "OTEL_SPAN_EVENT_COUNT_LIMIT", defaults.getMaxNumberOfEvents()))
        .setMaxNumberOfLinks(count(settings, "OTEL_SPAN_LINK_COUNT_LIMIT", defaults.getMaxNumberOfLinks()))
        .setMaxNumberOfAttributesPerEvent(count(settings, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", attributes))
        .setMaxNumberOfAttributesPerLink(count(settings, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", attributes))
        .build();
  }

  private static int count(Settings settings, String name, int defaultValue) {
    return settings.intInRange(name, defaultValue, 0, Integer.MAX_VALUE);
  }
}
