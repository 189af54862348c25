/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * obs4j's core: the {@code Obs} handle (tracing, exporters, samplers, propagation, metrics, log
 * correlation). Only the public packages are exported; {@code dev.obs4j.internal} is open to obs4j's own
 * modules alone. log4j is optional.
 */
module dev.obs4j.core {
  requires transitive io.opentelemetry.api;
  requires transitive io.opentelemetry.context;
  requires transitive io.opentelemetry.sdk.common;
  requires transitive io.opentelemetry.sdk.trace;
  requires transitive io.opentelemetry.instrumentation_annotations;
  requires transitive micrometer.core;
  requires transitive micrometer.registry.prometheus;
  requires transitive io.prometheus.metrics.model;
  requires transitive org.jspecify;
  requires transitive org.slf4j;

  requires io.opentelemetry.sdk;
  requires io.opentelemetry.exporter.otlp;
  requires io.opentelemetry.exporter.logging;
  requires io.opentelemetry.extension.trace.propagation;
  requires io.opentelemetry.sdk.extension.trace.jaeger;
  requires io.opentelemetry.semconv;
  requires io.prometheus.metrics.tracer.common;
  requires jaeger.thrift;
  requires org.apache.thrift;
  requires jdk.httpserver; // the tests serve OTLP collectors on it (they compile into this module)
  requires java.net.http;

  requires static org.apache.logging.log4j;
  requires static org.apache.logging.log4j.core;
  requires static ch.qos.logback.classic;
  requires static ch.qos.logback.core;

  exports dev.obs4j;
  exports dev.obs4j.instrument;
  exports dev.obs4j.metrics;
  exports dev.obs4j.trace;
  exports dev.obs4j.internal to
      dev.obs4j.http,
      dev.obs4j.jdbc,
      dev.obs4j.messaging;
  exports dev.obs4j.internal.console to
      dev.obs4j.http;

  // No "provides" for log4j's ContextDataProvider: with log4j optional, the clause would stop the module
  // from resolving where log4j is absent. On the class path log4j finds the provider through
  // META-INF/services; on the module path the MDC carries the trace ids instead (LogCorrelation).
}
