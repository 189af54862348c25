/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import dev.obs4j.Obs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * HTTP instrumentation settings and the two handlers every adapter uses: {@link #serverHandler()} for
 * requests served, {@link #clientHandler()} for requests sent.
 *
 * <pre>{@code
 * ObsHttp http = ObsHttp.create(obs);
 * Javalin.create(cfg -> cfg.registerPlugin(ObsJavalin.create(http)));    // or ObsServletFilter, ObsHttpServerFilter
 * HttpClient client = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
 * }</pre>
 */
public final class ObsHttp {
  /**
   * The paths left out of tracing and metrics unless {@link Builder#excludePaths} says otherwise: the metrics
   * route, the console ({@code /obs}) and the usual health checks, {@code /metrics}, {@code /health},
   * {@code /healthz}, {@code /healthy}, {@code /ready}, {@code /readyz} and {@code /livez} (each with the
   * paths below it).
   */
  public static final List<String> DEFAULT_EXCLUDED_PATHS =
      List.of("/metrics", "/obs", "/health", "/healthz", "/healthy", "/ready", "/readyz", "/livez");

  private final Obs obs;
  private final String traceIdHeader;
  private final List<String> requestHeaders;
  private final List<String> responseHeaders;
  private final boolean percentileHistogram;
  private final List<Duration> serviceLevelObjectives;
  private final boolean clientErrorsAtWarn;
  private final List<String> excludedPaths;
  private final HttpServerHandler serverHandler;
  private final HttpClientHandler clientHandler;

  private ObsHttp(Builder builder) {
    this.obs = builder.obs;
    this.traceIdHeader = builder.traceIdHeader;
    this.requestHeaders = List.copyOf(builder.requestHeaders);
    this.responseHeaders = List.copyOf(builder.responseHeaders);
    this.percentileHistogram = builder.percentileHistogram;
    this.serviceLevelObjectives = List.copyOf(builder.serviceLevelObjectives);
    this.clientErrorsAtWarn = builder.clientErrorsAtWarn;
    this.excludedPaths = List.copyOf(builder.excludedPaths);
    this.serverHandler = new HttpServerHandler(this);
    this.clientHandler = new HttpClientHandler(this);
  }

  /** HTTP instrumentation with the defaults. */
  public static ObsHttp create(Obs obs) {
    return builder(obs).build();
  }

  /** Starts configuring HTTP instrumentation over {@code obs}. */
  public static Builder builder(Obs obs) {
    return new Builder(obs);
  }

  /** The handle this instrumentation reports through. */
  public Obs obs() {
    return obs;
  }

  /** The server side: start and end of each request served. */
  public HttpServerHandler serverHandler() {
    return serverHandler;
  }

  /** The client side: start and end of each request sent, with trace headers injected. */
  public HttpClientHandler clientHandler() {
    return clientHandler;
  }

  String traceIdHeader() {
    return traceIdHeader;
  }

  List<String> requestHeaders() {
    return requestHeaders;
  }

  List<String> responseHeaders() {
    return responseHeaders;
  }

  boolean percentileHistogram() {
    return percentileHistogram;
  }

  List<Duration> serviceLevelObjectives() {
    return serviceLevelObjectives;
  }

  boolean clientErrorsAtWarn() {
    return clientErrorsAtWarn;
  }

  List<String> excludedPaths() {
    return excludedPaths;
  }

  /** Configures {@link ObsHttp}; every setting has a sensible default. */
  public static final class Builder {
    private final Obs obs;
    private String traceIdHeader = "X-Trace-Id";
    private final List<String> requestHeaders = new ArrayList<>();
    private final List<String> responseHeaders = new ArrayList<>();
    private boolean percentileHistogram = true;
    private final List<Duration> serviceLevelObjectives = new ArrayList<>();
    private boolean clientErrorsAtWarn;
    private List<String> excludedPaths = DEFAULT_EXCLUDED_PATHS;

    private Builder(Obs obs) {
      this.obs = Objects.requireNonNull(obs, "obs");
    }

    /**
     * The response header that carries the trace id back to the caller (default {@code X-Trace-Id}; empty to
     * send only {@code traceresponse}).
     */
    public Builder traceIdHeader(String header) {
      this.traceIdHeader = Objects.requireNonNull(header, "header");
      return this;
    }

    /**
     * Records these request headers as {@code http.request.header.<name>} span attributes. Nothing is
     * recorded by default; {@code Authorization} and {@code Cookie} are refused.
     */
    public Builder captureRequestHeaders(String... names) {
      requestHeaders.addAll(safeHeaders(names));
      return this;
    }

    /** Records these response headers as {@code http.response.header.<name>} span attributes. */
    public Builder captureResponseHeaders(String... names) {
      responseHeaders.addAll(safeHeaders(names));
      return this;
    }

    private static List<String> safeHeaders(String... names) {
      List<String> out = new ArrayList<>();
      for (String name : names) {
        String lower = Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT);
        if (lower.equals("authorization") || lower.equals("cookie") || lower.equals("set-cookie")
            || lower.equals("proxy-authorization")) {
          throw new IllegalArgumentException("obs4j never records the " + name + " header");
        }
        out.add(lower);
      }
      return out;
    }

    /**
     * Whether {@code http.server.requests} and {@code http.client.requests} publish histogram buckets (default
     * true: Grafana heatmaps, exemplars).
     */
    public Builder percentileHistogram(boolean enabled) {
      this.percentileHistogram = enabled;
      return this;
    }

    /** Extra histogram buckets at these durations, e.g. your latency objectives. */
    public Builder serviceLevelObjectives(Duration... objectives) {
      for (Duration d : objectives) {
        serviceLevelObjectives.add(Objects.requireNonNull(d, "objective"));
      }
      return this;
    }

    /** Logs 4xx responses at WARN instead of DEBUG. */
    public Builder logClientErrorsAtWarn(boolean warn) {
      this.clientErrorsAtWarn = warn;
      return this;
    }

    /**
     * The paths served without a span, a timer or a trace-id header: a Prometheus scrape every 15 seconds and
     * a load balancer's health check every few seconds would otherwise outnumber real requests in the
     * traces, the request rate and the latency histogram. An entry matches the path equal to it and every
     * path below it ({@code /health} matches {@code /health} and {@code /health/db}, not
     * {@code /healthcheck}); an entry ending in {@code /} matches every path that starts with it. Paths are
     * compared as the client sent them (percent-encoding kept, case-sensitive), without the query string
     * and, behind the servlet filter, without the application's context path.
     *
     * <p>Replaces the list, whose default is {@link #DEFAULT_EXCLUDED_PATHS}; {@code excludePaths()} with no
     * argument traces and times every path. To add to the defaults, pass them too.
     *
     * @throws IllegalArgumentException when an entry does not start with {@code /}
     */
    public Builder excludePaths(String... pathsOrPrefixes) {
      List<String> paths = new ArrayList<>(pathsOrPrefixes.length);
      for (String path : pathsOrPrefixes) {
        if (!Objects.requireNonNull(path, "path").startsWith("/")) {
          throw new IllegalArgumentException("an excluded path starts with /: " + path);
        }
        paths.add(path);
      }
      this.excludedPaths = List.copyOf(paths);
      return this;
    }

    /** Builds the instrumentation. */
    public ObsHttp build() {
      return new ObsHttp(this);
    }
  }
}
