/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.trace.HeaderSetter;
import dev.obs4j.trace.Propagation;
import dev.obs4j.trace.SpanErrors;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.http.Outcome;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Sends one request through the shared lifecycle, for any HTTP client: {@link #start} starts a CLIENT span
 * under the current one and writes the trace headers of every configured propagator through the client's
 * header setter; {@link #end} records the status, marks 4xx, 5xx and connection failures as errors (for a
 * CLIENT span every status from 400 up is an error, as the semantic conventions say; {@code error.type} is the
 * status code, or the exception's class) and records the {@code http.client.requests} timer (tags
 * {@code method}, {@code uri}, {@code status}, {@code outcome}, {@code exception}, {@code client.name}; histogram
 * buckets with exemplars unless {@link ObsHttp.Builder#percentileHistogram} turns them off).
 *
 * <pre>{@code
 * HttpClientHandler.Call call = http.clientHandler().start("GET", uri, "/orders/{id}", request, Request.Builder::header);
 * try { Response response = client.execute(request.build()); http.clientHandler().end(call, response.code(), null); }
 * catch (IOException e) { http.clientHandler().end(call, -1, e); throw e; }
 * }</pre>
 */
public final class HttpClientHandler {
  static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");

  private final Operations operations;
  private final Propagation propagation;
  private final boolean percentileHistogram;

  HttpClientHandler(ObsHttp config) {
    this.operations = config.obs().operations();
    this.propagation = operations.propagation();
    this.percentileHistogram = config.percentileHistogram();
  }

  /** One request in flight. */
  public static final class Call {
    private final Operation operation;
    private final String method;
    private final String uri;
    private final String clientName;

    Call(Operation operation, String method, String uri, String clientName) {
      this.operation = operation;
      this.method = method;
      this.uri = uri;
      this.clientName = clientName;
    }

    /** The call's operation (its span and context). */
    public Operation operation() {
      return operation;
    }
  }

  /**
   * Starts a call of {@code method} to {@code uri}; {@code uriTemplate} (e.g. {@code /orders/{id}}, or null)
   * names the span and tags the timer, and must never hold ids. Headers go into {@code carrier} through
   * {@code setter}.
   */
  public <C> Call start(
      String method,
      URI uri,
      @Nullable String uriTemplate,
      C carrier,
      HeaderSetter<? super C> setter) {
    return start(Context.current(), method, uri, uriTemplate, 0, carrier, setter);
  }

  /**
   * Starts one attempt of a request that a client may send more than once (a retry, a redirect, an
   * authentication challenge answered): each attempt is a CLIENT span of its own, as OpenTelemetry's HTTP
   * conventions say, under {@code parent} (the context current when the application made the request, kept
   * by the adapter for the attempts that run on the client's own threads), and every attempt after the first
   * carries {@code http.request.resend_count} ({@code resendCount}, 0 for the first).
   */
  public <C> Call start(
      Context parent,
      String method,
      URI uri,
      @Nullable String uriTemplate,
      int resendCount,
      C carrier,
      HeaderSetter<? super C> setter) {
    return start(parent, false, 0, method, uri, uriTemplate, resendCount, carrier, setter);
  }

  /**
   * As {@link #start(Context, String, URI, String, int, Object, HeaderSetter)} for an attempt that began at
   * {@code startNanoTime} ({@link System#nanoTime()} then) and is only known now, as a connection that failed
   * before the client reached the point where it starts its attempts: the span and the timer start there.
   */
  public <C> Call startedAt(
      long startNanoTime,
      Context parent,
      String method,
      URI uri,
      @Nullable String uriTemplate,
      int resendCount,
      C carrier,
      HeaderSetter<? super C> setter) {
    return start(parent, true, startNanoTime, method, uri, uriTemplate, resendCount, carrier, setter);
  }

  private <C> Call start(
      Context parent,
      boolean backdated,
      long startNanoTime,
      String method,
      URI uri,
      @Nullable String uriTemplate,
      int resendCount,
      C carrier,
      HeaderSetter<? super C> setter) {
    String m = method.toUpperCase(Locale.ROOT);
    AttributesBuilder attributes =
        Attributes.builder().put(HttpServerHandler.METHOD, m).put(URL_FULL, withoutQuery(uri));
    if (uri.getScheme() != null) {
      attributes.put(HttpServerHandler.URL_SCHEME, uri.getScheme());
    }
    String host = uri.getHost();
    if (host != null) {
      attributes.put(HttpServerHandler.SERVER_ADDRESS, host);
    }
    int port = port(uri);
    if (port > 0) {
      attributes.put(HttpServerHandler.SERVER_PORT, (long) port);
    }
    if (resendCount > 0) {
      attributes.put(RESEND_COUNT, (long) resendCount);
    }
    String name = uriTemplate == null ? m : m + " " + uriTemplate;
    Operation operation =
        !backdated
            ? operations.start(parent, name, SpanKind.CLIENT, attributes.build())
            : operations.startedAt(parent, name, SpanKind.CLIENT, attributes.build(), null, startNanoTime);
    propagation.inject(operation.context(), carrier, setter, operations.businessFieldsAllowed(host));
    return new Call(operation, m, uriTemplate == null ? "none" : uriTemplate, host == null ? "none" : host);
  }

  /** Ends a call: {@code status} is the response's, or -1 when there was none; {@code error} what was thrown. */
  public void end(Call call, int status, @Nullable Throwable error) {
    Operation operation = call.operation;
    try {
      if (status > 0) {
        operation.span().setAttribute(HttpServerHandler.STATUS, (long) status);
      }
      // a CLIENT span fails on 4xx too: the request this service sent was refused
      boolean failed = error != null || status >= 400 || status <= 0;
      Throwable cause = error == null ? null : SpanErrors.unwrap(error);
      String errorType = cause != null ? cause.getClass().getName() : failed ? Integer.toString(status) : null;
      Timer timer =
          timer(
              new TimerKey(
                  call.method,
                  call.uri,
                  status > 0 ? Integer.toString(status) : "CLIENT_ERROR",
                  status > 0 ? Outcome.forStatus(status).name() : "UNKNOWN",
                  cause == null ? "None" : HttpServerHandler.exceptionTag(cause),
                  call.clientName));
      operations.end(operation, error, failed, errorType, timer, null);
    } catch (RuntimeException e) {
      operation.span().end();
    }
  }

  /** The timer for one combination of tags, looked up in the shared meter cache. */
  Timer timer(TimerKey tags) {
    return ObsInternals.meters(operations).get(
        tags,
        key -> {
          Timer.Builder builder =
              Timer.builder("http.client.requests")
                  .description("HTTP requests sent")
                  .tags(
                      Tags.of(
                          "method", key.method(),
                          "uri", key.uri(),
                          "status", key.status(),
                          "outcome", key.outcome(),
                          "exception", key.exception(),
                          "client.name", key.clientName()));
          // buckets, as the server timer has: latency per call in Grafana, and the exemplar linking a trace
          if (percentileHistogram) {
            builder.publishPercentileHistogram();
          }
          return builder.register(operations.registry());
        });
  }

  /** The tags of one {@code http.client.requests} timer; the key of the shared meter cache. */
  record TimerKey(String method, String uri, String status, String outcome, String exception, String clientName) {}

  static String withoutQuery(URI uri) {
    StringBuilder sb = new StringBuilder();
    if (uri.getScheme() != null) {
      sb.append(uri.getScheme()).append("://");
    }
    if (uri.getHost() != null) {
      sb.append(uri.getHost());
      if (uri.getPort() > 0) {
        sb.append(':').append(uri.getPort());
      }
    }
    sb.append(uri.getRawPath() == null ? "" : uri.getRawPath());
    return sb.toString();
  }

  static int port(URI uri) {
    if (uri.getPort() > 0) {
      return uri.getPort();
    }
    if ("https".equalsIgnoreCase(uri.getScheme())) {
      return 443;
    }
    return "http".equalsIgnoreCase(uri.getScheme()) ? 80 : -1;
  }
}
