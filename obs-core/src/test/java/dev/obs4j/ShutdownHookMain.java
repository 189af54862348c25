/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

/**
 * Run in a child JVM by {@link ShutdownHookTest}: ends one span with export scheduled only every minute, then
 * exits; only the shutdown hook's flush can deliver it.
 */
public final class ShutdownHookMain {
  private ShutdownHookMain() {}

  public static void main(String[] args) {
    Obs obs = Obs.builder()
        .serviceName("short-lived")
        .tracesExporter("jaeger")
        .jaegerAgent("127.0.0.1", Integer.parseInt(args[0]))
        .set("OTEL_BSP_SCHEDULE_DELAY", "60000")
        .set("OBS4J_METRICS_JVM", "false")
        .build();
    obs.runInSpan("last words", () -> {});
    System.exit(0);
  }
}
