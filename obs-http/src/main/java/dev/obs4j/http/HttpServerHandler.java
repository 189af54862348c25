/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import dev.obs4j.Secrets;
import dev.obs4j.internal.MaskedThrowable;
import dev.obs4j.internal.MeterCache;
import dev.obs4j.internal.MeterKey;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.trace.HeaderSetter;
import dev.obs4j.trace.SpanErrors;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Serves one request through the shared lifecycle: {@link #start} extracts the caller's trace context with
 * every configured propagator, starts the SERVER span, and returns the trace id to the caller in
 * {@code traceresponse} and {@code X-Trace-Id}. The span starts named {@code METHOD route} with
 * {@code http.route} when the adapter knows the route before the framework's handler runs
 * ({@link HttpServerRequest#route()}), so a sampler (Jaeger's per-operation strategies) sees both; else it
 * starts named by the method and {@link #end} names it after the route found by then. {@link #end} records the
 * semantic-convention attributes, the {@code http.server.requests} timer (tags {@code method}, {@code uri},
 * {@code status}, {@code outcome}, {@code exception}) with an exemplar, and logs an ERROR line for a 5xx or
 * an unhandled exception. Adapters call both, with the span current in between, unless {@link #excludes}
 * the request's path: such a request runs untouched.
 *
 * <pre>{@code
 * if (handler.excludes(request.path())) { chain.run(); return; }
 * Operation operation = handler.start(request, response, Response::setHeader);
 * Throwable error = null;
 * try (Scope ignored = operation.makeCurrent()) { chain.run(); }
 * catch (Throwable t) { error = t; throw t; }
 * finally { handler.end(operation, HttpServerResponse.of(request, response.status()), error); }
 * }</pre>
 */
public final class HttpServerHandler {
  private static final Logger log = LoggerFactory.getLogger("dev.obs4j.http.server");
  private static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY");

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> METHOD_ORIGINAL = AttributeKey.stringKey("http.request.method_original");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  private static final String LOG_ROUTE = "http.route";
  private static final String LOG_METHOD = "http.request.method";

  private final ObsHttp config;
  private final Operations operations;
  private final HeaderGetter<HttpServerRequest> getter;
  private final MeterCache meters;
  private final AtomicInteger active;
  private final Duration[] objectives;
  private final String[] excludedPaths;
  /**
   * The timers of requests that threw nothing, by uri (a route template or a fixed fallback), method
   * ({@link #TIMER_METHODS}) and status: found without building a key. At most {@link #PLAIN_TIMER_URIS}
   * uris; past that the meter cache answers.
   */
  private final ConcurrentHashMap<String, AtomicReferenceArray<@Nullable AtomicReferenceArray<@Nullable Timer>>>
      plainTimers = new ConcurrentHashMap<>();
  /** Bounds the memory: a status array (600 references) per uri and method used, at most this many uris. */
  private static final int PLAIN_TIMER_URIS = 256;
  private static final String[] TIMER_METHODS =
      {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "QUERY", "_OTHER"};

  HttpServerHandler(ObsHttp config) {
    this.config = config;
    this.operations = config.obs().operations();
    // Every adapter's request looks headers up ignoring case (Servlet, the JDK server).
    this.getter = HeaderGetter.ignoringCase(HttpServerRequest::header, HttpServerRequest::headerNames);
    this.meters = ObsInternals.meters(operations);
    this.objectives = config.serviceLevelObjectives().toArray(new Duration[0]);
    this.excludedPaths = config.excludedPaths().toArray(new String[0]);
    this.active = operations.active("http.server.requests.active", "Requests being served now");
  }

  /**
   * Whether requests to {@code path} (without the query string) are left out of tracing and metrics
   * ({@link ObsHttp.Builder#excludePaths}, by default the metrics route and the health checks). An adapter
   * asks before {@link #start}, and for such a path calls neither {@code start} nor {@code end}: no span, no
   * timer, no trace-id headers.
   */
  public boolean excludes(String path) {
    for (String excluded : excludedPaths) {
      if (path.startsWith(excluded)
          && (path.length() == excluded.length()
              || excluded.endsWith("/")
              || path.charAt(excluded.length()) == '/')) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts serving {@code request}; call before the framework's handler runs, and make the returned
   * operation current around it. {@code responseHeaders} writes the trace-id headers on {@code response}:
   *
   * <ul>
   *   <li>{@code traceresponse} (W3C Trace Context level 2), {@code 00-<trace id>-<span id>-<flags>}, whose
   *       sampled flag ({@code 01}) is set only when this span is recorded and sampled, so the caller knows
   *       whether the trace can be found ({@code -00} otherwise; level 2's random flag, {@code 02}, is
   *       kept);
   *   <li>the trace-id header ({@code X-Trace-Id} unless configured otherwise) on every response, sampled
   *       or not: the service's log lines carry the trace id even when the trace is not kept, so the id
   *       still finds the request's logs.
   * </ul>
   */
  public <R> Operation start(HttpServerRequest request, R response, HeaderSetter<? super R> responseHeaders) {
    String method = method(request);
    // Samplers decide at the start, by name (Jaeger's per-operation strategies) and by the attributes given
    // then: a route the adapter knows already names the span and goes in as http.route. Other attributes are
    // gathered only for a span that records (sampled), so a request that is not sampled pays for none.
    String route = routeAtStart(request);
    RouteStart known = route == null ? null : routeStart(route);
    String name = known != null ? known.name(method) : spanName(method, route);
    Attributes startAttributes =
        known != null ? known.attributes : route == null ? Attributes.empty() : Attributes.of(ROUTE, route);
    Operation operation = operations.startEntry(request, getter, name, SpanKind.SERVER, startAttributes);
    Span span = operation.span();
    if (span.isRecording()) {
      setStartAttributes(span, request, method);
    }
    active.incrementAndGet();
    SpanContext context = operation.span().getSpanContext();
    if (context.isValid()) {
      try {
        // A span that does not record (a tracer shut down or disabled hands back the caller's context as is)
        // may still carry the caller's sampled flag: only a span recorded and sampled here says so. Other
        // flags (level 2's random-trace-id bit) are kept.
        TraceFlags flags = context.getTraceFlags();
        if (flags.isSampled() && !span.isRecording()) {
          flags = TraceFlags.fromByte((byte) (flags.asByte() & ~TraceFlags.getSampled().asByte()));
        }
        responseHeaders.set(response,
            "traceresponse", "00-" + context.getTraceId() + "-" + context.getSpanId() + "-" + flags.asHex());
        if (!config.traceIdHeader().isEmpty()) {
          responseHeaders.set(response, config.traceIdHeader(), context.getTraceId());
        }
      } catch (RuntimeException committed) {
        // a response already committed cannot take headers; the span is unaffected
      }
    }
    return operation;
  }

  /**
   * What a span starts with for one route: its {@code http.route} attributes and its name per method, made
   * once instead of per request (issue 24: the name's concatenation and the attributes were a tenth of what
   * an unsampled request allocated). Null past {@link #ROUTE_STARTS} routes: then they are made per request.
   */
  private @Nullable RouteStart routeStart(String route) {
    RouteStart known = routeStarts.get(route);
    if (known == null && routeStarts.size() < ROUTE_STARTS) {
      known = routeStarts.computeIfAbsent(route, RouteStart::new);
    }
    return known;
  }

  private final ConcurrentHashMap<String, RouteStart> routeStarts = new ConcurrentHashMap<>();
  /** Bounds the memory: a route's entry holds {@link #TIMER_METHODS}' names, at most this many routes. */
  private static final int ROUTE_STARTS = 256;

  /** A route's start attributes and span names, by the index of the method in {@link #TIMER_METHODS}. */
  private static final class RouteStart {
    final Attributes attributes;
    private final String[] names = new String[TIMER_METHODS.length];

    RouteStart(String route) {
      this.attributes = Attributes.of(ROUTE, route);
      for (int i = 0; i < names.length; i++) {
        names[i] = spanName(TIMER_METHODS[i], route);
      }
    }

    /** The span name for {@code method}, a known method or {@code _OTHER} as {@link #method} answers. */
    String name(String method) {
      return names[methodIndex(method)];
    }
  }

  /**
   * Straight onto the span: building an {@code Attributes} first (sorted, then copied into the span's own
   * map) cost more than the puts themselves.
   */
  private void setStartAttributes(Span span, HttpServerRequest request, String method) {
    span.setAttribute(METHOD, method);
    span.setAttribute(URL_PATH, request.path());
    if (!method.equals(request.method())) {
      span.setAttribute(METHOD_ORIGINAL, request.method());
    }
    span.setAttribute(URL_SCHEME, request.scheme());
    setIfPresent(span, SERVER_ADDRESS, request.serverAddress());
    if (request.serverPort() > 0) {
      span.setAttribute(SERVER_PORT, (long) request.serverPort());
    }
    setIfPresent(span, CLIENT_ADDRESS, request.clientAddress());
    setIfPresent(span, USER_AGENT, request.header("User-Agent"));
    for (String header : config.requestHeaders()) {
      String value = request.header(header);
      if (value != null) {
        span.setAttribute(AttributeKey.stringArrayKey("http.request.header." + header), List.of(value));
      }
    }
  }

  /**
   * The route as the adapter knows it before the framework's handler runs (a servlet mapping, a JDK context,
   * Javalin's matched endpoint), or null; never throws.
   */
  private static @Nullable String routeAtStart(HttpServerRequest request) {
    try {
      return request.route();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The SERVER span's name: {@code METHOD route}, or the method alone without a route, so an unmatched path
   * (a 404) never makes a name of its own; {@code HTTP} for a method outside the known set.
   */
  static String spanName(String method, @Nullable String route) {
    String name = method.equals("_OTHER") ? "HTTP" : method;
    return route == null ? name : name + " " + route;
  }

  private static void setIfPresent(Span span, AttributeKey<String> key, @Nullable String value) {
    if (value != null && !value.isEmpty()) {
      span.setAttribute(key, value);
    }
  }

  /**
   * Ends the request: {@code error} is what the handler threw, if anything. A response still without a
   * status (or with a success status) after an exception counts as 500, which is what the container sends.
   */
  public void end(Operation operation, HttpServerResponse response, @Nullable Throwable error) {
    active.decrementAndGet();
    try {
      HttpServerRequest request = response.request();
      int status = response.statusCode();
      if (error != null && status < 400) {
        status = 500;
      }
      String method = method(request);
      String route = operation.routeFromHandler();
      if (route == null) {
        route = request.route();
      }
      Span span = operation.span();
      if (span.isRecording()) {
        span.updateName(spanName(method, route)); // the same name, unless the route was known only now
        if (route != null) {
          span.setAttribute(ROUTE, route);
        }
        if (status > 0) {
          span.setAttribute(STATUS, (long) status);
        }
        for (String header : config.responseHeaders()) {
          String value = response.header(header);
          if (value != null) {
            span.setAttribute(AttributeKey.stringArrayKey("http.response.header." + header), List.of(value));
          }
        }
      }
      boolean failed = status >= 500 || status <= 0;
      Throwable cause = error == null ? null : SpanErrors.unwrap(error);
      String errorType = cause != null ? cause.getClass().getName() : (failed ? statusText(status) : null);
      String exception = cause == null ? "None" : exceptionTag(cause);
      Timer timer = timer(method, uri(route, status), status, exception);
      int finalStatus = status;
      String finalRoute = route;
      Runnable logLine =
          failed
              ? () -> withRequestFields(method, finalRoute,
                  () -> logFailure(method, finalRoute, request.path(), finalStatus, error, operation.traceId()))
              : status >= 400
                  ? () -> withRequestFields(method, finalRoute,
                      () -> logClientError(method, finalRoute, request.path(), finalStatus, operation.traceId()))
                  : null;
      operations.end(operation, error, failed, errorType, timer, logLine);
    } catch (RuntimeException e) {
      operation.span().end(); // never fail the request because of observability
    }
  }

  /**
   * The timer for one combination of tags. A request that threw nothing with a status from 100 to 599 (nearly
   * all of them) finds it without allocating: by uri, then method, then status, in {@link #plainTimers};
   * anything else goes to the shared meter cache under a {@link MeterKey}, as before.
   */
  Timer timer(String method, String uri, int status, String exception) {
    int methodIndex;
    if (exception.equals("None") && status >= 100 && status < STATUS_TAGS.length
        && (methodIndex = methodIndex(method)) >= 0) {
      AtomicReferenceArray<@Nullable AtomicReferenceArray<@Nullable Timer>> byMethod = plainTimers.get(uri);
      if (byMethod == null) {
        if (plainTimers.size() >= PLAIN_TIMER_URIS) {
          return keyedTimer(method, uri, status, exception);
        }
        byMethod = plainTimers.computeIfAbsent(uri, u -> new AtomicReferenceArray<>(TIMER_METHODS.length));
      }
      AtomicReferenceArray<@Nullable Timer> byStatus = byMethod.get(methodIndex);
      if (byStatus == null) {
        byMethod.compareAndSet(methodIndex, null, new AtomicReferenceArray<>(STATUS_TAGS.length));
        byStatus = byMethod.get(methodIndex);
      }
      Timer timer = byStatus.get(status);
      if (timer == null) {
        timer = keyedTimer(method, uri, status, exception);
        byStatus.set(status, timer);
      }
      return timer;
    }
    return keyedTimer(method, uri, status, exception);
  }

  /** The index of {@code method} (a known method or {@code _OTHER}, as {@link #method} answers) or -1. */
  private static int methodIndex(String method) {
    for (int i = 0; i < TIMER_METHODS.length; i++) {
      if (TIMER_METHODS[i].equals(method)) {
        return i;
      }
    }
    return -1;
  }

  /** The timer for one combination of tags, looked up in the shared meter cache. */
  private Timer keyedTimer(String method, String uri, int status, String exception) {
    String outcome = status > 0 ? Outcome.forStatus(status).name() : "UNKNOWN";
    return meters.get(
        MeterKey.of(TIMER, method, uri, statusTag(status), outcome, exception),
        key -> {
          Timer.Builder builder =
              Timer.builder(TIMER)
                  .description("HTTP requests served")
                  .tags(Tags.of(
                      "method", key.tag(0), "uri", key.tag(1), "status", key.tag(2),
                      "outcome", key.tag(3), "exception", key.tag(4)));
          if (config.percentileHistogram()) {
            builder.publishPercentileHistogram();
          }
          if (objectives.length > 0) {
            builder.serviceLevelObjectives(objectives);
          }
          return builder.register(operations.registry());
        });
  }

  private static final String TIMER = "http.server.requests";

  /**
   * The {@code exception} tag: the class's simple name, or for a class without one (an anonymous class) its
   * name without the package ({@code OrderService$1}), never empty.
   */
  static String exceptionTag(Throwable error) {
    Class<?> type = error.getClass();
    String simple = type.getSimpleName();
    if (!simple.isEmpty()) {
      return simple;
    }
    String name = type.getName();
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /**
   * Runs {@code line} with the route and method in the log context ({@code http.route},
   * {@code http.request.method}), so a log search can group failures by route without parsing messages.
   */
  private static void withRequestFields(String method, @Nullable String route, Runnable line) {
    MDC.put(LOG_METHOD, method);
    if (route != null) {
      MDC.put(LOG_ROUTE, route);
    }
    try {
      line.run();
    } finally {
      MDC.remove(LOG_METHOD);
      MDC.remove(LOG_ROUTE);
    }
  }

  private static void logFailure(
      String method, @Nullable String route, String path, int status, @Nullable Throwable error, String traceId) {
    if (error != null) {
      log.error(
          "{} {} failed with {} ({}: {}) trace_id={}",
          method,
          route == null ? path : route,
          status,
          error.getClass().getName(),
          error.getMessage() == null ? null : Secrets.mask(error.getMessage()),
          traceId,
          MaskedThrowable.of(error)); // a secret the message quotes (a JDBC URL) is masked
    } else {
      log.error("{} {} answered {} trace_id={}", method, route == null ? path : route, status, traceId);
    }
  }

  private void logClientError(String method, @Nullable String route, String path, int status, String traceId) {
    if (config.clientErrorsAtWarn()) {
      log.warn("{} {} answered {} trace_id={}", method, route == null ? path : route, status, traceId);
    } else {
      log.debug("{} {} answered {} trace_id={}", method, route == null ? path : route, status, traceId);
    }
  }

  private static final String[] STATUS_TAGS = new String[600];

  static {
    for (int i = 100; i < STATUS_TAGS.length; i++) {
      STATUS_TAGS[i] = Integer.toString(i).intern();
    }
  }

  private static String statusTag(int status) {
    if (status <= 0) {
      return "UNKNOWN";
    }
    return status < STATUS_TAGS.length && STATUS_TAGS[status] != null ? STATUS_TAGS[status] : Integer.toString(status);
  }

  private static String statusText(int status) {
    return status > 0 ? Integer.toString(status) : "_OTHER";
  }

  /** The {@code uri} tag: the route template, never the raw path. */
  static String uri(@Nullable String route, int status) {
    if (route != null) {
      return route;
    }
    if (status == 404) {
      return "NOT_FOUND";
    }
    if (status >= 300 && status < 400) {
      return "REDIRECTION";
    }
    return "UNKNOWN";
  }

  /** The method if it is a known one, else {@code _OTHER}, so junk methods cannot grow the series. */
  static String method(HttpServerRequest request) {
    String method = request.method();
    if (method == null) {
      return "_OTHER";
    }
    if (KNOWN_METHODS.contains(method)) {
      return method;
    }
    String upper = method.toUpperCase(Locale.ROOT);
    return KNOWN_METHODS.contains(upper) ? upper : "_OTHER";
  }

}
