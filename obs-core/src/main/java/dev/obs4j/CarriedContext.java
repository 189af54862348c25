/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import dev.obs4j.internal.OperationState;
import dev.obs4j.internal.logs.LogCorrelation;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * What a task takes from the thread that hands it over: the OpenTelemetry context (the current span, the
 * operation with its business fields, the service label) and a copy of the SLF4J MDC. {@link #attach} makes
 * it the running thread's, and its scope leaves that thread exactly as it found it.
 *
 * <p>Written here rather than taken from OpenTelemetry's {@code Context.taskWrapping} or Micrometer's
 * context-propagation: the first carries the span but neither the MDC nor obs4j's business fields, the
 * second is one more dependency that would still need an accessor for those fields.
 */
final class CarriedContext {
  private final Context context;
  private final @Nullable Map<String, String> mdc;

  private CarriedContext(Context context, @Nullable Map<String, String> mdc) {
    this.context = context;
    this.mdc = mdc == null || mdc.isEmpty() ? null : mdc;
  }

  /** The calling thread's context and MDC, as they are now. */
  static CarriedContext capture() {
    return new CarriedContext(Context.current(), MDC.getCopyOfContextMap());
  }

  /**
   * Nothing of the calling thread but which service it logs for: for a periodic task, which is no part of
   * the request that scheduled it.
   */
  static CarriedContext serviceOnly() {
    String service = LogCorrelation.serviceOf(Context.current());
    Context clean = service == null ? Context.root() : Context.root().with(LogCorrelation.SERVICE, service);
    return new CarriedContext(clean, null);
  }

  /**
   * Makes the carried context current on this thread, with the carried MDC in place of the thread's own and
   * the operation's business fields in it; closing the scope gives the thread back its own context and MDC.
   */
  Scope attach() {
    Map<String, String> own = MDC.getCopyOfContextMap();
    boolean ownEmpty = own == null || own.isEmpty();
    OperationState operation = OperationState.fromContext(context);
    Map<String, String> taskMdc = withFields(mdc, operation);
    if (context == Context.current() && (taskMdc == null ? ownEmpty : taskMdc.equals(own))) {
      return Scope.noop(); // run on the caller's own thread (a direct executor, CallerRunsPolicy): all in place
    }
    if (taskMdc != null) {
      MDC.setContextMap(taskMdc); // one write: on log4j2 every MDC write copies the thread's map
    } else if (!ownEmpty) {
      MDC.clear(); // a task sees its caller's log context, not what an earlier task left on this thread
    }
    Context threadsOwn = Context.current();
    Scope scope;
    OperationState previousOwner = null;
    try {
      scope = LogCorrelation.makeCurrent(context);
      if (operation != null) {
        // fields the task sets go into this thread's MDC too; the whole MDC is restored at the end
        previousOwner = operation.claimMdc();
      }
    } catch (RuntimeException | Error e) {
      restore(own, ownEmpty);
      throw e;
    }
    OperationState owner = previousOwner;
    return () -> {
      try {
        if (operation != null) {
          OperationState.releaseMdc(owner);
        }
        scope.close();
        if (Context.current() != threadsOwn) {
          // The task left a scope of its own open, so OpenTelemetry ignored the close above: the thread gets
          // its own context back anyway (the scope of this attach is never closed, and needs not be).
          Scope ignored = threadsOwn.makeCurrent();
        }
      } finally {
        restore(own, ownEmpty);
      }
    };
  }

  /**
   * The MDC a task runs with: its caller's, plus the operation's business fields as they are now (set on
   * another thread since the capture, or on a caller thread that did not own the MDC); null for none.
   */
  private static @Nullable Map<String, String> withFields(
      @Nullable Map<String, String> mdc, @Nullable OperationState operation) {
    Map<String, String> fields = operation == null ? Map.of() : operation.fields();
    if (fields.isEmpty() || (mdc != null && mdc.entrySet().containsAll(fields.entrySet()))) {
      return mdc;
    }
    Map<String, String> merged = mdc == null ? new HashMap<>() : new HashMap<>(mdc);
    merged.putAll(fields);
    return merged;
  }

  private static void restore(@Nullable Map<String, String> own, boolean ownEmpty) {
    if (ownEmpty) {
      MDC.clear();
    } else {
      MDC.setContextMap(own);
    }
  }

  Runnable wrap(Runnable task) {
    return new ContextRunnable(this, task);
  }

  /** {@code task} without the context {@link #wrap} gave it (once or more); any other task as it is. */
  static Runnable unwrap(Runnable task) {
    Runnable inner = task;
    while (inner instanceof ContextRunnable wrapped) {
      inner = wrapped.task;
    }
    return inner;
  }

  /** A task that runs in the context it was made in. */
  private static final class ContextRunnable implements Runnable {
    private final CarriedContext carried;
    private final Runnable task;

    ContextRunnable(CarriedContext carried, Runnable task) {
      this.carried = carried;
      this.task = task;
    }

    @Override
    public void run() {
      try (Scope ignored = carried.attach()) {
        task.run();
      }
    }

    @Override
    public String toString() {
      return task.toString();
    }
  }
}
