/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import dev.obs4j.Obs;

/** Builders for tests: no shutdown hook, no JVM meters, fast export. */
public final class TestObs {
  private TestObs() {}

  public static Obs.Builder builder(String service) {
    return Obs.builder()
        .serviceName(service)
        .shutdownHook(false)
        .set("OBS4J_METRICS_JVM", "false")
        .set("OTEL_BSP_SCHEDULE_DELAY", "50")
        .set("OTEL_TRACES_EXPORTER", "none");
  }

  public static double counter(Obs obs, String name, String... tags) {
    var search = obs.meterRegistry().find(name).tags(tags);
    var counter = search.counter();
    return counter == null ? 0 : counter.count();
  }
}
