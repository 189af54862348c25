/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.tracer.common.SpanContext;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Micrometer's Prometheus registry, which runs a hook before every scrape
 * (whichever of its {@code scrape} methods is called): obs4j binds the JVM meters there on the first one,
 * see {@link JvmMetrics}.
 */
public final class ObsPrometheusRegistry extends PrometheusMeterRegistry {
  private volatile Runnable beforeScrape = () -> {};

  public ObsPrometheusRegistry(
      PrometheusConfig config, PrometheusRegistry registry, Clock clock, @Nullable SpanContext exemplars) {
    super(config, registry, clock, exemplars);
  }

  /** Runs {@code hook} before each scrape; it must be cheap after its first run. */
  public void beforeScrape(Runnable hook) {
    this.beforeScrape = hook;
  }

  @Override
  public String scrape() {
    beforeScrape.run();
    return super.scrape();
  }

  @Override
  public String scrape(String contentType) {
    beforeScrape.run();
    return super.scrape(contentType);
  }

  @Override
  public void scrape(OutputStream outputStream) throws IOException {
    beforeScrape.run();
    super.scrape(outputStream);
  }

  @Override
  public void scrape(OutputStream outputStream, String contentType) throws IOException {
    beforeScrape.run();
    super.scrape(outputStream, contentType);
  }

  @Override
  public String scrape(String contentType, @Nullable Set<String> includedNames) {
    beforeScrape.run();
    return super.scrape(contentType, includedNames);
  }

  @Override
  public void scrape(OutputStream outputStream, String contentType, @Nullable Set<String> includedNames)
      throws IOException {
    beforeScrape.run();
    super.scrape(outputStream, contentType, includedNames);
  }
}
