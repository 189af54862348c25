/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.micrometer.core.instrument.Meter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * The meters of one {@code Obs}, looked up by a small key instead of a Micrometer id: building and
 * registering an id on every request costs more than the rest of the request's instrumentation. Past
 * {@value #LIMIT} keys the cache stops growing and {@code create} runs each time, where Micrometer's own
 * lookup, behind the cardinality guard, takes over.
 */
public final class MeterCache {
  static final int LIMIT = 10_000;

  private final ConcurrentMap<Object, Meter> meters = new ConcurrentHashMap<>();

  /**
   * The meter for {@code key} (a {@link MeterKey} of bounded tag values), created by {@code create} the
   * first time.
   */
  @SuppressWarnings("unchecked")
  public <K, M extends Meter> M get(K key, Function<? super K, M> create) {
    M meter = (M) meters.get(key);
    if (meter == null) {
      meter = create.apply(key);
      if (meters.size() < LIMIT) {
        meters.putIfAbsent(key, meter);
      }
    }
    return meter;
  }
}
