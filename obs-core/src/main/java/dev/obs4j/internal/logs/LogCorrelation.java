/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.logs;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Internal, not for public use. Installs {@link MdcContextStorage} once per JVM, and remembers the service
 * name that the log4j2 context-data provider adds to every event.
 */
public final class LogCorrelation {
  private static final String PROBE_TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String PROBE_SPAN = "b7ad6b7169203331";
  private static volatile String serviceName = "";
  private static boolean installed;
  private static boolean working;

  private LogCorrelation() {}

  public static String serviceName() {
    return serviceName;
  }

  public static void serviceName(String name) {
    serviceName = name;
  }

  /**
   * Wraps OpenTelemetry's context storage so the MDC follows the current span. The wrapper only takes
   * effect if OpenTelemetry's context was not used before; returns whether the MDC now follows spans.
   */
  public static synchronized boolean installMdc() {
    if (!installed) {
      installed = true;
      ContextStorage.addWrapper(MdcContextStorage::new);
      SpanContext probe =
          SpanContext.create(PROBE_TRACE, PROBE_SPAN, TraceFlags.getDefault(), TraceState.getDefault());
      try (Scope ignored = Span.wrap(probe).makeCurrent()) {
        working = PROBE_TRACE.equals(MDC.get(MdcContextStorage.TRACE_ID));
      }
      if (!working) {
        LoggerFactory.getLogger(LogCorrelation.class)
            .warn(
                "Trace ids will not reach the SLF4J MDC: OpenTelemetry's context was used before the first"
                    + " Obs was built. Build Obs first thing in main(), or log through log4j2, whose"
                    + " context-data provider in obs-core does not need the MDC.");
      }
    }
    return working;
  }
}
