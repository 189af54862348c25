/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import dev.obs4j.internal.logs.LogCorrelation;
import io.opentelemetry.context.Context;

/**
 * A child JVM's main for {@link MdcWrapperTest}: builds an Obs (after touching OpenTelemetry's context first
 * when asked to) and prints whether the MDC follows every span.
 */
public final class MdcWrapperMain {
  private MdcWrapperMain() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("touch-context-first")) {
      Context.current();
    }
    try (Obs obs = Obs.builder().serviceName("main").set("OTEL_TRACES_EXPORTER", "none").shutdownHook(false).build()) {
      System.out.println("mdc follows spans: " + LogCorrelation.mdcFollowsSpans());
    }
  }
}
