/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * One scrape of a Prometheus registry in the format the scraper asked for: OpenMetrics (which carries
 * exemplars) when the {@code Accept} header names {@code application/openmetrics-text}, as Prometheus does,
 * else the classic text format.
 *
 * <pre>{@code
 * PrometheusScrape scrape = PrometheusScrape.of(obs.meterRegistry(), request.getHeader("Accept"));
 * response.setContentType(scrape.contentType());
 * response.getWriter().write(scrape.body());
 * }</pre>
 */
public final class PrometheusScrape {
  /** Content type of the OpenMetrics text format. */
  public static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

  /** Content type of the classic Prometheus text format. */
  public static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final String contentType;
  private final String body;

  private PrometheusScrape(String contentType, String body) {
    this.contentType = contentType;
    this.body = body;
  }

  /** Scrapes {@code registry} for a request whose {@code Accept} header is {@code accept} (may be null). */
  public static PrometheusScrape of(PrometheusMeterRegistry registry, @Nullable String accept) {
    if (accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text")) {
      return new PrometheusScrape(OPENMETRICS, registry.scrape(OPENMETRICS));
    }
    return new PrometheusScrape(TEXT, registry.scrape(TEXT));
  }

  /** The value for the response's {@code Content-Type} header. */
  public String contentType() {
    return contentType;
  }

  /** The exposition text. */
  public String body() {
    return body;
  }
}
