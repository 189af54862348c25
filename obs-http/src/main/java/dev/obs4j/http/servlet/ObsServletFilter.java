/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.servlet;

import dev.obs4j.http.HttpServerHandler;
import dev.obs4j.http.HttpServerRequest;
import dev.obs4j.http.HttpServerResponse;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.instrument.Operation;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A Jakarta Servlet filter that traces and times every request through {@link HttpServerHandler}. An async
 * request ends its span when the request completes. The route is what a framework left in the request
 * attribute {@value #ROUTE_ATTRIBUTE}, else the servlet mapping's pattern. Paths excluded with
 * {@link ObsHttp.Builder#excludePaths} (matched without the context path) pass untouched.
 *
 * <p>Map it for {@code REQUEST} and {@code ASYNC} dispatches (and set it async-supported): a request the
 * application re-dispatches with {@code AsyncContext.dispatch} then runs inside the request's context (its
 * log lines carry the trace id, its spans nest under the request's) without a second SERVER span.
 *
 * <p>The error recorded is what the chain threw, else what a framework left in {@value #ERROR_ATTRIBUTE},
 * else what the container left in {@code jakarta.servlet.error.exception}; a {@link ServletException} that
 * only wraps another exception is recorded as the exception it wraps.
 *
 * <pre>{@code
 * FilterHolder filter = new FilterHolder(ObsServletFilter.create(ObsHttp.create(obs)));
 * filter.setAsyncSupported(true);
 * context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
 * }</pre>
 */
public final class ObsServletFilter implements Filter {
  /** Request attribute a framework sets to the matched route template. */
  public static final String ROUTE_ATTRIBUTE = "dev.obs4j.http.route";

  /** Request attribute a framework sets to an exception its error handling turned into a response. */
  public static final String ERROR_ATTRIBUTE = "dev.obs4j.http.error";

  private static final String OPERATION_ATTRIBUTE = "dev.obs4j.http.operation";
  private static final String DISPATCH_ERROR_ATTRIBUTE = "dev.obs4j.http.dispatch.error";

  private static final Function<HttpServletRequest, @Nullable String> NO_ROUTE = request -> null;

  private final HttpServerHandler handler;
  private final boolean routeFromMapping;
  private final Function<HttpServletRequest, @Nullable String> routeBeforeDispatch;

  private ObsServletFilter(
      ObsHttp http, boolean routeFromMapping, Function<HttpServletRequest, @Nullable String> routeBeforeDispatch) {
    this.handler = http.serverHandler();
    this.routeFromMapping = routeFromMapping;
    this.routeBeforeDispatch = routeBeforeDispatch;
  }

  /**
   * A filter reporting through {@code http}; without a route attribute, the servlet mapping is the route. The
   * container has mapped the request before filters run, so the span starts named after the mapping.
   */
  public static ObsServletFilter create(ObsHttp http) {
    return new ObsServletFilter(http, true, NO_ROUTE);
  }

  /**
   * A filter for a framework that routes inside one servlet and sets {@value #ROUTE_ATTRIBUTE} itself: a
   * request without it matched no route (the servlet's own {@code /*} mapping says nothing). The route is
   * known only once the framework has routed, so the span starts named by the method and is renamed then;
   * prefer {@link #forFramework(ObsHttp, Function)} where the framework can tell the route earlier.
   */
  public static ObsServletFilter forFramework(ObsHttp http) {
    return new ObsServletFilter(http, false, NO_ROUTE);
  }

  /**
   * As {@link #forFramework(ObsHttp)}, for a framework that can tell, before it dispatches, which route
   * template a request will match: {@code routeBeforeDispatch} answers that (or null for none) when the
   * request starts, so the span starts named {@code METHOD route} and samplers see the route. What the
   * framework later sets in {@value #ROUTE_ATTRIBUTE} still wins. It runs on every traced request: it must be
   * fast, and what it throws is taken as no route.
   */
  public static ObsServletFilter forFramework(
      ObsHttp http, Function<HttpServletRequest, @Nullable String> routeBeforeDispatch) {
    return new ObsServletFilter(http, false, Objects.requireNonNull(routeBeforeDispatch, "routeBeforeDispatch"));
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)) {
      chain.doFilter(req, res); // not HTTP
      return;
    }
    if (req.getAttribute(OPERATION_ATTRIBUTE) instanceof Operation) {
      redispatch((Operation) req.getAttribute(OPERATION_ATTRIBUTE), req, res, chain);
      return;
    }
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    Request wrapped = new Request(request, routeFromMapping, routeBeforeDispatch);
    if (handler.excludes(wrapped.pathInApplication())) {
      chain.doFilter(req, res); // a health check or the metrics route: not traced, not timed
      return;
    }
    Operation operation = handler.start(wrapped, response, HttpServletResponse::setHeader);
    request.setAttribute(OPERATION_ATTRIBUTE, operation);
    Throwable error = null;
    try (Scope ignored = operation.makeCurrent()) {
      chain.doFilter(req, res);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      error = e;
      throw e;
    } finally {
      if (error == null && request.isAsyncStarted()) {
        request.getAsyncContext().addListener(new End(operation, wrapped, response), request, response);
      } else {
        end(operation, wrapped, response, error);
      }
    }
  }

  /**
   * A request already traced, dispatched again: forward and include run on the request's thread, inside its
   * context already; an async dispatch ({@code AsyncContext.dispatch}) or an error dispatch runs on a
   * container thread with nothing current, so the request's operation is made current there.
   */
  private static void redispatch(Operation operation, ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    if (Span.current().getSpanContext().isValid()) {
      chain.doFilter(req, res);
      return;
    }
    try (Scope ignored = operation.makeCurrent()) {
      chain.doFilter(req, res);
    } catch (IOException | ServletException | RuntimeException | Error e) {
      req.setAttribute(DISPATCH_ERROR_ATTRIBUTE, e); // the span ends when the async request completes
      throw e;
    }
  }

  private void end(Operation operation, Request request, HttpServletResponse response, @Nullable Throwable error) {
    Throwable cause = error;
    if (cause == null) {
      cause = throwable(request.request, DISPATCH_ERROR_ATTRIBUTE);
    }
    if (cause == null) {
      cause = throwable(request.request, ERROR_ATTRIBUTE);
    }
    if (cause == null) {
      cause = throwable(request.request, RequestDispatcher.ERROR_EXCEPTION);
    }
    handler.end(operation, HttpServerResponse.of(request, response.getStatus(), response::getHeader), unwrap(cause));
  }

  private static @Nullable Throwable throwable(HttpServletRequest request, String attribute) {
    Object value = request.getAttribute(attribute);
    return value instanceof Throwable ? (Throwable) value : null;
  }

  /** The exception a {@link ServletException} wraps (a servlet may only throw those and IOExceptions). */
  static @Nullable Throwable unwrap(@Nullable Throwable error) {
    Throwable t = error;
    for (int depth = 0; t instanceof ServletException && t.getCause() != null && depth < 16; depth++) {
      t = t.getCause();
    }
    return t;
  }

  /** Ends the span of an async request once, whichever of complete, error or timeout comes first. */
  private final class End implements AsyncListener {
    private final Operation operation;
    private final Request request;
    private final HttpServletResponse response;
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile @Nullable Throwable error;

    End(Operation operation, Request request, HttpServletResponse response) {
      this.operation = operation;
      this.request = request;
      this.response = response;
    }

    @Override
    public void onComplete(AsyncEvent event) {
      if (done.compareAndSet(false, true)) {
        end(operation, request, response, error);
      }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      error = new java.util.concurrent.TimeoutException("async request timed out");
    }

    @Override
    public void onError(AsyncEvent event) {
      error = event.getThrowable();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
      event.getAsyncContext().addListener(this);
    }
  }

  private static final class Request implements HttpServerRequest {
    final HttpServletRequest request;
    private final boolean routeFromMapping;
    private final Function<HttpServletRequest, @Nullable String> routeBeforeDispatch;
    private @Nullable String routeAtStart;
    private boolean asked;

    Request(
        HttpServletRequest request,
        boolean routeFromMapping,
        Function<HttpServletRequest, @Nullable String> routeBeforeDispatch) {
      this.request = request;
      this.routeFromMapping = routeFromMapping;
      this.routeBeforeDispatch = routeBeforeDispatch;
    }

    @Override
    public String method() {
      return request.getMethod();
    }

    @Override
    public String path() {
      String uri = request.getRequestURI();
      return uri == null ? "/" : uri;
    }

    /** The path without the application's context path, which excluded paths are matched against. */
    String pathInApplication() {
      String path = path();
      String context = request.getContextPath();
      return context == null || context.isEmpty() || !path.startsWith(context)
          ? path
          : path.substring(context.length());
    }

    @Override
    public @Nullable String route() {
      Object route = request.getAttribute(ROUTE_ATTRIBUTE);
      if (route instanceof String) {
        return (String) route;
      }
      if (!routeFromMapping) {
        if (!asked) { // asked at start, and again at the end: the framework matches once
          asked = true;
          routeAtStart = routeBeforeDispatch.apply(request);
        }
        return routeAtStart;
      }
      HttpServletMapping mapping = request.getHttpServletMapping();
      if (mapping == null || mapping.getMappingMatch() == null || mapping.getMappingMatch() == MappingMatch.DEFAULT) {
        return null; // the default servlet: no route matched
      }
      String context = request.getContextPath() == null ? "" : request.getContextPath();
      return context + mapping.getPattern();
    }

    @Override
    public @Nullable String header(String name) {
      return request.getHeader(name);
    }

    @Override
    public Iterable<String> headerNames() {
      return () -> {
        java.util.Enumeration<String> names = request.getHeaderNames();
        return names == null ? java.util.Collections.emptyIterator() : names.asIterator();
      };
    }

    @Override
    public String scheme() {
      return request.getScheme();
    }

    @Override
    public @Nullable String serverAddress() {
      return request.getServerName();
    }

    @Override
    public int serverPort() {
      return request.getServerPort();
    }

    @Override
    public @Nullable String clientAddress() {
      return request.getRemoteAddr();
    }
  }
}
