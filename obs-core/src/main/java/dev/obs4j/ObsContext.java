/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import dev.obs4j.internal.OperationState;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * What handler code tells obs4j about the request (or message) it is handling. Call it on the thread that
 * runs the handler, once the value is known:
 *
 * <pre>{@code
 * void find(HttpServletRequest request, HttpServletResponse response) {   // any framework's handler
 *   ObsContext.setUserId(session.userId());   // span enduser.id, log user.id, and downstream services
 *   ...
 * }
 * }</pre>
 *
 * <p>A business field lands on the operation's span, in the log context (SLF4J MDC) for the rest of the
 * request, and in W3C/Jaeger baggage on every outgoing call that obs4j instruments, so the downstream
 * service's handler puts it on its own span and log lines too (for the fields its
 * {@code OBS4J_CONTEXT_FIELDS} setting names; {@code user.id} by default). Outside an instrumented request
 * these calls only touch the current span. They never throw.
 *
 * <p>Work handed to another thread takes all of this along when it goes through {@link #wrap(Executor)} or
 * one of the other {@code wrap} methods; fields it sets there belong to the same request.
 */
public final class ObsContext {
  /** The log and baggage name of the user id. */
  public static final String USER_ID = "user.id";

  /** The span attribute for the user id, per OpenTelemetry's semantic conventions. */
  public static final String USER_ID_ATTRIBUTE = "enduser.id";

  private ObsContext() {}

  /** Sets the id of the user this request acts for. */
  public static void setUserId(String userId) {
    set(USER_ID, userId);
  }

  /**
   * Sets a business field, e.g. {@code set("tenant.id", "acme")}; at most 32 per request. The span
   * attribute has the field's name, except {@code user.id}, which becomes {@code enduser.id}.
   */
  public static void set(String name, String value) {
    try {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      OperationState state = OperationState.current();
      if (state == null) {
        Span.current().setAttribute(attributeName(name), value);
        return;
      }
      if (state.putField(name, value)) {
        state.span().setAttribute(attributeName(name), value);
        if (state.ownsMdcOfThisThread()) {
          MDC.put(name, value); // removed when the operation's scope closes
        }
      }
    } catch (RuntimeException ignored) {
      // never fail the handler because of observability
    }
  }

  /** The span attribute a business field is recorded under. */
  private static String attributeName(String field) {
    return USER_ID.equals(field) ? USER_ID_ATTRIBUTE : field;
  }

  /**
   * Sets the route template of the current server request, e.g. {@code /orders/{id}}, for frameworks whose
   * adapter cannot know it (such as the JDK HTTP server). It names the span and tags the metrics, so it must
   * never contain ids.
   */
  public static void setRoute(String routeTemplate) {
    OperationState state = OperationState.current();
    if (state != null && routeTemplate != null) {
      state.route(routeTemplate);
    }
  }

  /** The current user id: set by {@link #setUserId} or arrived with the request as baggage; else null. */
  public static @Nullable String userId() {
    return get(USER_ID);
  }

  /**
   * The business field {@code name} of the current operation: set by {@link #set} in this service, or
   * arrived as baggage from the caller; null if neither.
   */
  public static @Nullable String get(String name) {
    try {
      OperationState state = OperationState.current();
      String value = state == null ? null : state.fields().get(name);
      return value != null ? value : Baggage.current().getEntryValue(name);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * {@code task}, made to run in this thread's context wherever it runs: the current span (spans it starts
   * nest under it), the request's business fields, and the log context (trace id, fields and the rest of
   * the SLF4J MDC). The thread that runs it is left as it was, with nothing of this request behind.
   *
   * <pre>{@code
   * Runnable audit = ObsContext.wrap(() -> auditLog.record(order));   // made on the request thread
   * backgroundThread.offer(audit);                                      // runs in the request's trace
   * }</pre>
   */
  public static Runnable wrap(Runnable task) {
    return ContextExecutors.runnable(task); // refuses null
  }

  /** {@code task}, made to run in this thread's context wherever it runs (see {@link #wrap(Runnable)}). */
  public static <T extends @Nullable Object> Callable<T> wrap(Callable<T> task) {
    return ContextExecutors.callable(task); // refuses null
  }

  /**
   * {@code task}, made to run in this thread's context wherever it runs (see {@link #wrap(Runnable)}); for
   * {@code CompletableFuture.supplyAsync}. Named apart from {@code wrap} because a lambda such as
   * {@code () -> load(id)} would fit both a Callable and a Supplier.
   */
  public static <T extends @Nullable Object> Supplier<T> wrapSupplier(Supplier<T> task) {
    return ContextExecutors.supplier(task); // refuses null
  }

  /**
   * {@code executor}, whose every task runs in the context of the thread that hands it over (see
   * {@link #wrap(Runnable)}). Pass it to {@code CompletableFuture}'s {@code *Async} methods, so that every
   * stage of a chain runs in the request's trace:
   *
   * <pre>{@code
   * Executor pool = ObsContext.wrap(Executors.newFixedThreadPool(8));    // once, at start-up
   *
   * CompletableFuture.supplyAsync(() -> orders.load(id), pool)           // in the request's trace
   *     .thenApplyAsync(order -> prices.quote(order), pool)
   *     .thenAcceptAsync(quote -> log.info("quoted {}", quote), pool);  // the line carries the trace id
   * }</pre>
   *
   * <p>The context is the one of the thread that hands the task over: here the request's thread, then the
   * pool's threads running the request's earlier stages. A stage chained on a future that other code
   * completes (an HTTP client's {@code sendAsync}) is handed over by that code's thread, and runs in its
   * context. A stage without an executor ({@code supplyAsync(supplier)}) runs in the common pool, outside
   * the trace. Wrapping twice is harmless.
   */
  public static Executor wrap(Executor executor) {
    Objects.requireNonNull(executor, "executor");
    if (executor instanceof ContextExecutors.ContextExecutor) {
      return executor;
    }
    if (executor instanceof ExecutorService) {
      return wrap((ExecutorService) executor); // a ScheduledExecutorService stays one
    }
    return new ContextExecutors.ContextExecutor(executor);
  }

  /**
   * {@code executor}, whose every task ({@code execute}, {@code submit}, {@code invokeAll},
   * {@code invokeAny}) runs in the context of the thread that submits it (see {@link #wrap(Runnable)}).
   * Shutting the wrapper down shuts {@code executor} down; closing it (JDK 19 and later) calls
   * {@code executor}'s own {@code close()}, so closing a wrapped {@code ForkJoinPool.commonPool()} returns
   * at once and leaves the common pool running, as closing the common pool itself does.
   */
  public static ExecutorService wrap(ExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    if (executor instanceof ContextExecutors.ContextExecutorService) {
      return executor;
    }
    if (executor instanceof ScheduledExecutorService) {
      return wrap((ScheduledExecutorService) executor);
    }
    return new ContextExecutors.ContextExecutorService(executor);
  }

  /**
   * {@code executor}, whose one-off tasks ({@code schedule}, {@code submit} ...) run in the context of the
   * thread that schedules them (see {@link #wrap(Runnable)}). A periodic task
   * ({@code scheduleAtFixedRate}, {@code scheduleWithFixedDelay}) is no part of the request that scheduled
   * it: every run starts with no span, no fields and an empty MDC (only the service it logs for is kept),
   * so a job that traces itself with {@code obs.runInSpan("job name", ...)} starts a new trace each run.
   * That holds for a periodic task already wrapped with {@link #wrap(Runnable)} too, which this scheduler
   * runs without the context it was wrapped in; handed to a scheduler that is not wrapped, such a task would
   * rejoin the scheduling request's trace on every run.
   */
  public static ScheduledExecutorService wrap(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    if (executor instanceof ContextExecutors.ContextScheduledExecutorService) {
      return executor;
    }
    return new ContextExecutors.ContextScheduledExecutorService(executor);
  }

  /** The current trace id, or null outside a span. */
  public static @Nullable String traceId() {
    SpanContext context = Span.current().getSpanContext();
    return context.isValid() ? context.getTraceId() : null;
  }
}
