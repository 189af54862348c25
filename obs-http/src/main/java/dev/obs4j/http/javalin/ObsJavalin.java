/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.javalin;

import dev.obs4j.ConsoleAccess;
import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.servlet.ObsServletFilter;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.console.ConsoleServer;
import dev.obs4j.metrics.PrometheusScrape;
import io.javalin.config.JavalinState;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.util.AsyncExecutor;
import io.javalin.plugin.Plugin;
import io.javalin.router.Endpoint;
import io.javalin.router.InternalRouter;
import io.javalin.router.ParsedEndpoint;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.lang.reflect.Field;
import java.util.EnumSet;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import kotlin.Lazy;
import kotlin.LazyKt;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The Javalin 7 plugin: every request is traced and timed by obs4j's servlet filter on Javalin's Jetty. The
 * filter asks Javalin's router which endpoint the request will match before Javalin runs, so the span starts
 * named after its path template ({@code GET /orders/{id}}, with {@code http.route}) and a sampler sees it
 * (Jaeger's per-operation strategies match the name at the start). Every endpoint handler is wrapped too,
 * so the span and the {@code uri} tag get the path of the endpoint that ran and the exception an exception
 * mapper turned into a response.
 *
 * <pre>{@code
 * Javalin.create(cfg -> {
 *   cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
 *   cfg.routes.get("/metrics", ObsJavalin.metricsHandler(obs));
 * });
 * }</pre>
 *
 * <p>Work a handler hands to another thread keeps the request's trace, fields and log context: the tasks
 * of {@code ctx.async(...)} run on Javalin's own executor, which the plugin wraps; for
 * {@code ctx.future(...)}, give the {@code *Async} stages an executor wrapped with
 * {@link ObsContext#wrap(java.util.concurrent.Executor)}. Either way the request's span ends when the
 * response completes, with its status:
 *
 * <pre>{@code
 * Executor pool = ObsContext.wrap(Executors.newFixedThreadPool(8));
 * cfg.routes.get("/orders/{id}", ctx -> ctx.future(() ->
 *     CompletableFuture.supplyAsync(() -> orders.load(ctx.pathParam("id")), pool).thenAccept(ctx::json)));
 * }</pre>
 *
 * <p>Javalin has one handler wrapper; this plugin sets it. The metrics route and the health checks are not
 * traced or timed ({@link ObsHttp.Builder#excludePaths}). The plugin never serves the console by itself: an
 * app that wants it on its own port mounts {@link #consoleHandler(Obs)}.
 */
public final class ObsJavalin extends Plugin<Void> {
  private final ObsHttp http;

  private ObsJavalin(ObsHttp http) {
    this.http = http;
  }

  /** The plugin, reporting through {@code http}. */
  public static ObsJavalin create(ObsHttp http) {
    return new ObsJavalin(http);
  }

  @Override
  public void onInitialize(JavalinState state) {
    ObsServletFilter filter =
        ObsServletFilter.forFramework(http, request -> matchedRoute(state.internalRouter, request));
    FilterHolder holder = new FilterHolder(filter);
    holder.setAsyncSupported(true); // Javalin answers ctx.future(...) with servlet async
    state.jetty.modifyServletContextHandler(
        handler -> handler.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC)));
    state.router.handlerWrapper(ObsJavalin::wrap);
  }

  /**
   * Wraps Javalin's async executor, so that the tasks of {@code ctx.async(...)} (on a pool, or on virtual
   * threads) take the request's context along. Done here rather than in {@link #onInitialize}, which runs
   * where the plugin is registered: an executor the configuration sets after that is wrapped too. Javalin
   * reads the executor right after the plugins have started.
   */
  @Override
  public void onStart(JavalinState state) {
    Lazy<AsyncExecutor> configured = state.concurrency.executor;
    state.concurrency.executor = LazyKt.lazy(() -> contextCarrying(configured.getValue()));
  }

  /**
   * Javalin's async executor with its pool wrapped by {@link ObsContext#wrap(ExecutorService)}. Javalin's
   * {@code AsyncExecutor} is final and keeps its pool in a private field, so the pool is read from that
   * field, once, at start-up. Where it cannot be read (Javalin on the module path opens no package; a
   * later Javalin may rename the field), the executor is left as it is and one WARN says so.
   */
  private static AsyncExecutor contextCarrying(AsyncExecutor javalins) {
    try {
      Field field = AsyncExecutor.class.getDeclaredField("defaultExecutor");
      field.setAccessible(true);
      return new AsyncExecutor(ObsContext.wrap((ExecutorService) field.get(javalins)));
    } catch (ReflectiveOperationException | RuntimeException e) {
      LoggerFactory.getLogger(ObsJavalin.class).warn(
          "ctx.async tasks will run without the request's trace: Javalin's async executor could not be wrapped"
              + " ({}). On the module path, run with --add-opens io.javalin/io.javalin.http.util=dev.obs4j.http;"
              + " or give ctx.async an executor of yours wrapped by ObsContext.wrap (AsyncTaskConfig.executor).",
          e.toString());
      return javalins;
    }
  }

  /**
   * The path of the endpoint Javalin will run for {@code request}, found as Javalin finds it (the method, or
   * the {@code X-HTTP-Method-Override} header, and the path below the context path), before Javalin's servlet
   * runs, so the span starts named after it; null when no endpoint matches (a 404 or a 405).
   */
  private static @Nullable String matchedRoute(InternalRouter router, HttpServletRequest request) {
    String override = request.getHeader("X-HTTP-Method-Override");
    String uri = request.getRequestURI();
    String context = request.getContextPath();
    if (uri == null) {
      return null;
    }
    String path =
        context != null && !context.isEmpty() && uri.startsWith(context) ? uri.substring(context.length()) : uri;
    ParsedEndpoint endpoint =
        router.findFirstHttpHandlerEntry(
            HandlerType.findOrDefault(override != null ? override : request.getMethod()), path);
    return endpoint == null ? null : endpoint.endpoint.path;
  }

  private static Handler wrap(Endpoint endpoint) {
    Handler handler = endpoint.handler;
    if (!endpoint.method.isHttpMethod()) {
      return handler; // before, after and error handlers keep the route of the endpoint
    }
    String route = endpoint.path;
    return ctx -> {
      ctx.req().setAttribute(ObsServletFilter.ROUTE_ATTRIBUTE, route);
      try {
        handler.handle(ctx);
      } catch (Exception e) {
        ctx.req().setAttribute(ObsServletFilter.ERROR_ATTRIBUTE, e);
        throw e;
      }
    };
  }

  /** A handler that serves {@code obs}'s metrics to Prometheus (OpenMetrics with exemplars when asked). */
  public static Handler metricsHandler(Obs obs) {
    return ctx -> {
      PrometheusScrape scrape = PrometheusScrape.of(obs.meterRegistry(), ctx.header("Accept"));
      ctx.contentType(scrape.contentType()).result(scrape.body());
    };
  }

  /**
   * A handler that serves {@code obs}'s console ({@code OBS4J_CONSOLE=true}) to requests that carry its
   * credentials ({@code OBS4J_CONSOLE_TOKEN}, or {@code OBS4J_CONSOLE_USERNAME} and
   * {@code OBS4J_CONSOLE_PASSWORD}); others get a 401, and every request a 404 while the console is off.
   * The pages link to {@code /obs}: mount it at the root path.
   *
   * <pre>{@code
   * cfg.routes.get("/obs", ObsJavalin.consoleHandler(obs));
   * cfg.routes.get("/obs/trace/{id}", ObsJavalin.consoleHandler(obs));
   * }</pre>
   */
  public static Handler consoleHandler(Obs obs) {
    return consoleHandler(obs, ConsoleAccess.CREDENTIALS);
  }

  /** As {@link #consoleHandler(Obs)}, letting in whom {@code access} says. */
  public static Handler consoleHandler(Obs obs, ConsoleAccess access) {
    Objects.requireNonNull(obs, "obs");
    ConsoleServer.Mount mount = ConsoleServer.Mount.of(Objects.requireNonNull(access, "access"));
    return ctx -> {
      ConsoleServer.Response answer =
          ConsoleServer.serve(
              ObsInternals.console(obs),
              new ConsoleServer.Request(
                  ctx.method().name(), ctx.path(), ctx.queryString(), ctx.req().getRemoteAddr(), ctx::header),
              mount);
      ctx.status(answer.status());
      answer.headers().forEach(ctx::header);
      ctx.result(answer.body());
    };
  }

  @Override
  public String name() {
    return "obs4j";
  }
}
