/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The executors and tasks {@link ObsContext#wrap} hands out: each task takes the context of the thread that
 * submits it (see {@link CarriedContext}). Everything else is the wrapped executor's own behaviour; the
 * tasks {@code shutdownNow()} returns are the wrapped ones.
 */
final class ContextExecutors {
  private ContextExecutors() {}

  // Null tasks are refused here, at submission, as the executors themselves do: a wrapper around null would
  // fail later, on the pool thread (killing an execute() worker, or hidden in a submit()'s Future).

  static Runnable runnable(Runnable task) {
    Objects.requireNonNull(task, "task");
    return CarriedContext.capture().wrap(task);
  }

  static <T> Callable<T> callable(Callable<T> task) {
    Objects.requireNonNull(task, "task");
    CarriedContext carried = CarriedContext.capture();
    return () -> {
      try (Scope ignored = carried.attach()) {
        return task.call();
      }
    };
  }

  static <T> Supplier<T> supplier(Supplier<T> task) {
    Objects.requireNonNull(task, "task");
    CarriedContext carried = CarriedContext.capture();
    return () -> {
      try (Scope ignored = carried.attach()) {
        return task.get();
      }
    };
  }

  private static <T> List<Callable<T>> callables(Collection<? extends Callable<T>> tasks) {
    Objects.requireNonNull(tasks, "tasks");
    List<Callable<T>> wrapped = new ArrayList<>(tasks.size());
    for (Callable<T> task : tasks) {
      wrapped.add(callable(task));
    }
    return wrapped;
  }

  /** An {@link Executor} whose tasks run in their submitter's context. */
  static class ContextExecutor implements Executor {
    private final Executor delegate;

    ContextExecutor(Executor delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable command) {
      delegate.execute(runnable(command));
    }

    @Override
    public String toString() {
      return "ObsContext.wrap(" + delegate + ")";
    }
  }

  /** An {@link ExecutorService} whose tasks run in their submitter's context. */
  static class ContextExecutorService extends ContextExecutor implements ExecutorService {
    private final ExecutorService delegate;

    ContextExecutorService(ExecutorService delegate) {
      super(delegate);
      this.delegate = delegate;
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
      return delegate.submit(callable(task));
    }

    @Override
    public <T> Future<T> submit(Runnable task, T result) {
      return delegate.submit(runnable(task), result);
    }

    @Override
    public Future<?> submit(Runnable task) {
      return delegate.submit(runnable(task));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
      return delegate.invokeAll(callables(tasks));
    }

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
        throws InterruptedException {
      return delegate.invokeAll(callables(tasks), timeout, unit);
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks)
        throws InterruptedException, ExecutionException {
      return delegate.invokeAny(callables(tasks));
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException {
      return delegate.invokeAny(callables(tasks), timeout, unit);
    }

    @Override
    public void shutdown() {
      delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
      return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
      return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return delegate.awaitTermination(timeout, unit);
    }

    /**
     * {@code ExecutorService.close()}, which this overrides from JDK 19 on (no {@code @Override}: the build
     * is for 17): the wrapped executor's own {@code close()}. The JDK's default, which the wrapper would
     * otherwise inherit, shuts the executor down and waits for it to terminate: forever for
     * {@code ForkJoinPool.commonPool()}, which ignores shutdown and whose own {@code close()} returns at once.
     */
    public void close() {
      if (delegate instanceof AutoCloseable) { // every ExecutorService from JDK 19 on
        try {
          ((AutoCloseable) delegate).close();
        } catch (RuntimeException | Error e) {
          throw e;
        } catch (Exception e) {
          // ExecutorService.close() throws none: only an executor that is some other AutoCloseable too
          throw new IllegalStateException("closing " + delegate + " failed", e);
        }
        return;
      }
      // JDK 17 and 18, where only a caller naming this method gets here: JDK 19's default close(), but
      // not for the common pool, which would never terminate
      if (delegate == ForkJoinPool.commonPool() || delegate.isTerminated()) {
        return;
      }
      delegate.shutdown();
      boolean terminated = false;
      boolean interrupted = false;
      while (!terminated) {
        try {
          terminated = delegate.awaitTermination(1L, TimeUnit.DAYS);
        } catch (InterruptedException e) {
          if (!interrupted) {
            delegate.shutdownNow();
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A {@link ScheduledExecutorService} whose one-off tasks run in their submitter's context. A periodic task
   * is no part of the request that scheduled it, even one wrapped already: every run starts clean (no span,
   * no fields, no MDC but the service), so that a span started in it is the root of its own trace.
   */
  static final class ContextScheduledExecutorService extends ContextExecutorService
      implements ScheduledExecutorService {
    private final ScheduledExecutorService delegate;

    ContextScheduledExecutorService(ScheduledExecutorService delegate) {
      super(delegate);
      this.delegate = delegate;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return delegate.schedule(runnable(command), delay, unit);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return delegate.schedule(callable(callable), delay, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      return delegate.scheduleAtFixedRate(periodic(command), initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      return delegate.scheduleWithFixedDelay(periodic(command), initialDelay, delay, unit);
    }

    /**
     * A periodic task that starts clean: one the caller already wrapped ({@code ObsContext.wrap(job)}) would
     * otherwise rejoin the scheduling request's trace on every run, and keep that request's context alive
     * for as long as the job runs.
     */
    private static Runnable periodic(Runnable command) {
      Objects.requireNonNull(command, "command"); // at submission, as for every other task
      return CarriedContext.serviceOnly().wrap(CarriedContext.unwrap(command));
    }
  }
}
