/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.queue;

import java.util.Map;
import java.util.Objects;

/**
 * A message in a {@link TracedQueue}: the payload and the headers written at publish (trace context and
 * enqueue time).
 *
 * @param <T> the payload
 */
public record Envelope<T>(T payload, Map<String, String> headers) {
  /** An envelope; the headers are copied. */
  public Envelope {
    Objects.requireNonNull(payload, "payload");
    headers = Map.copyOf(headers);
  }
}
