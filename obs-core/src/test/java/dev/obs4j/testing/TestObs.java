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

  /**
   * The self-metrics identity for one exporter: ended = exported + dropped (every reason) + queued. Returns
   * the difference (0 when the counts add up) so that a test can wait for in-flight batches to settle.
   */
  public static double spanCountsGap(Obs obs, String exporter) {
    double ended = counter(obs, "obs4j.spans.ended", "exporter", exporter);
    double exported = counter(obs, "obs4j.spans.exported", "exporter", exporter);
    double dropped =
        obs.meterRegistry().find("obs4j.spans.dropped").tag("exporter", exporter).counters().stream()
            .mapToDouble(c -> c.count())
            .sum();
    var queue = obs.meterRegistry().find("obs4j.export.queue.size").tag("exporter", exporter).gauge();
    double queued = queue == null ? 0 : queue.value();
    return ended - exported - dropped - queued;
  }

  public static double counter(Obs obs, String name, String... tags) {
    var search = obs.meterRegistry().find(name).tags(tags);
    var counter = search.counter();
    return counter == null ? 0 : counter.count();
  }
}
