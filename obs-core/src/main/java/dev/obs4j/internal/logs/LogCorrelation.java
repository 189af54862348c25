/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.logs;

import dev.obs4j.internal.OperationState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Internal, not for public use. Installs {@link MdcContextStorage} once per JVM, and tells the log backends
 * which service a line belongs to: the service whose operation (or {@code Obs.serviceScope()}) is current,
 * so that several {@code Obs} handles in one JVM each label their own lines; outside any of them, the
 * service of the handle built last.
 */
public final class LogCorrelation {
  /** The service name of the {@code Obs} whose span or scope a context belongs to. */
  public static final ContextKey<String> SERVICE = ContextKey.named("obs4j-service");

  private static volatile String serviceName = "";
  private static boolean installed;
  private static volatile boolean working;
  private static volatile boolean mdcEnabled;
  private static final boolean LOG4J_PROVIDES_IDS = log4jProvidesIds();

  private LogCorrelation() {}

  /** The service of the current context, else of the handle built last; empty before any. */
  public static String serviceName() {
    String current = serviceOf(Context.current());
    return current != null ? current : serviceName;
  }

  /**
   * The service {@code context} belongs to: its {@link #SERVICE} label, else the service of its operation
   * (an operation carries its service in its state rather than in one more context entry); null for neither.
   */
  public static @Nullable String serviceOf(Context context) {
    String labelled = context.get(SERVICE);
    if (labelled != null) {
      return labelled;
    }
    OperationState operation = OperationState.fromContext(context);
    return operation == null ? null : operation.service();
  }

  /** The fallback for lines written outside every handle's operations and scopes. */
  public static void serviceName(String name) {
    serviceName = name;
  }

  /** {@code context} labelled with {@code service}, reusing it when it already is (no copy per nested span). */
  public static Context withService(Context context, String service) {
    return service.equals(serviceOf(context)) ? context : context.with(SERVICE, service);
  }

  /**
   * Whether SLF4J's backend is log4j-core, which gets trace ids from {@link Log4j2ContextDataProvider}. Not
   * on the module path: log4j finds the provider through {@code META-INF/services}, which a named module's
   * jar does not offer (a {@code provides} clause would make log4j mandatory there), so the MDC carries
   * the ids instead.
   */
  static boolean log4jProvidesIds() {
    if (LogCorrelation.class.getModule().isNamed()) {
      return false;
    }
    try {
      Class.forName("org.apache.logging.log4j.core.util.ContextDataProvider", false, LogCorrelation.class.getClassLoader());
      return MDC.getMDCAdapter() != null
          && MDC.getMDCAdapter().getClass().getName().startsWith("org.apache.logging.slf4j.");
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Turns the MDC off for spans that obs4j makes current (OBS4J_LOGS_MDC=false). */
  public static void disableMdc() {
    mdcEnabled = false;
  }

  /**
   * Makes {@code span} current. When the context-storage wrapper could not be installed, the MDC is set here,
   * so that every span obs4j itself makes current still reaches the log lines.
   */
  public static Scope makeCurrent(Span span, String service) {
    return makeCurrent(withService(Context.current(), service).with(span));
  }

  /** Makes {@code context} current, with its span's ids in the MDC (see {@link #makeCurrent(Span)}). */
  public static Scope makeCurrent(Context context) {
    Scope scope = context.makeCurrent();
    return mdcEnabled && !working ? MdcContextStorage.withMdc(scope, context) : scope;
  }

  /**
   * Wraps OpenTelemetry's context storage so the MDC follows the current span. The wrapper only takes
   * effect if OpenTelemetry's context was not used before; returns whether the MDC now follows spans.
   */
  /** Whether the MDC follows every span made current (the context-storage wrapper is in place, or log4j2). */
  public static boolean mdcFollowsSpans() {
    return working;
  }

  public static synchronized boolean installMdc() {
    mdcEnabled = true;
    if (LOG4J_PROVIDES_IDS) {
      // SLF4J logs through log4j-core, whose context-data provider (in obs-core) adds the ids to every
      // event as it is logged: copying them into log4j's copy-on-write ThreadContext on every context
      // switch would only cost time.
      working = true;
      return true;
    }
    if (!installed) {
      installed = true;
      ContextStorage.addWrapper(MdcContextStorage::new);
      // Whether the wrapper is in place, asked of the wrapper itself: the backend's MDC may be a no-op
      // (slf4j-simple, slf4j-nop), which says nothing about whether OpenTelemetry's context was used early.
      try (Scope ignored = Context.root().with(MdcContextStorage.PROBE, Boolean.TRUE).makeCurrent()) {
        working = MdcContextStorage.probed();
      }
      if (!working) {
        LoggerFactory.getLogger(LogCorrelation.class)
            .warn(
                "OpenTelemetry's context was used before the first Obs was built, so only spans that obs4j"
                    + " makes current (HTTP, JDBC, messaging, @WithSpan, inSpan) put their ids in the SLF4J"
                    + " MDC. Build Obs first thing in main() to cover spans made current elsewhere, or log"
                    + " through log4j2, whose context-data provider in obs-core covers every span.");
      }
    }
    return working;
  }
}
