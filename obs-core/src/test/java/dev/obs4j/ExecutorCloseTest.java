/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Closing a wrapped executor: {@code ExecutorService.close()} (JDK 19 and later, where try-with-resources
 * calls it) closes the executor as its own {@code close()} does. The build runs on 17, which has no such
 * method: there these tests are skipped, and the pom's executor-close profile runs this class again on JDK
 * 25, with {@code obs4j.expect.executor.close} set so that they fail rather than skip. On 17, the wrapper's
 * own {@code close()}, which a caller can reach only by name, does what JDK 19's default does.
 */
class ExecutorCloseTest {
  /** Closes a wrapper, as a caller of that JDK can. */
  private interface Close {
    void close(ExecutorService wrapper) throws Exception;
  }

  @Test
  void close_onTheCommonPoolsWrapper_returns_andTheCommonPoolKeepsWorking() throws Exception {
    closesTheCommonPoolsWrapper(viaExecutorService());
  }

  @Test
  void close_onAPoolsWrapper_waitsForTheRunningTask_andLeavesThePoolTerminated() throws Exception {
    closesAPoolsWrapper(viaExecutorService());
  }

  @Test
  void wrappersOwnClose_onAJdkWithoutExecutorServiceClose_closesAsJdk19sDefault_exceptTheCommonPool()
      throws Exception {
    assumeTrue(executorServiceClose() == null, "JDK 19 and later: the tests above call ExecutorService.close()");
    Close own = wrapper -> invoke(wrapper.getClass().getMethod("close"), wrapper);
    closesTheCommonPoolsWrapper(own);
    closesAPoolsWrapper(own);
  }

  private static void closesTheCommonPoolsWrapper(Close close) throws Exception {
    ExecutorService wrapper = ObsContext.wrap(ForkJoinPool.commonPool());

    // A close that waits for the common pool to terminate never returns (it spins): the helper is a daemon
    // thread, so that such a failure ends with the test JVM.
    Closer closer = Closer.start(close, wrapper);

    assertThat(closer.returnedWithin(5, TimeUnit.SECONDS)).as("close() on the common pool's wrapper returned").isTrue();
    assertThat(closer.failure.get()).isNull();
    assertThat(ForkJoinPool.commonPool().isShutdown()).isFalse();
    assertThat(wrapper.isShutdown()).isFalse();
    assertThat(wrapper.submit(() -> "still running").get(5, TimeUnit.SECONDS)).isEqualTo("still running");
  }

  private static void closesAPoolsWrapper(Close close) throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    CountDownLatch release = new CountDownLatch(1);
    try {
      ExecutorService wrapper = ObsContext.wrap(pool);
      CountDownLatch running = new CountDownLatch(1);
      AtomicBoolean taskDone = new AtomicBoolean();
      wrapper.execute(() -> {
        running.countDown();
        try {
          release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        taskDone.set(true);
      });
      assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();

      AtomicReference<Boolean> doneWhenCloseReturned = new AtomicReference<>();
      Closer closer = Closer.start(w -> {
        close.close(w);
        doneWhenCloseReturned.set(taskDone.get());
      }, wrapper);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!pool.isShutdown() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(pool.isShutdown()).as("close() shut the pool down").isTrue();
      assertThat(closer.thread.isAlive()).as("close() still waits while the task runs").isTrue();
      release.countDown();

      assertThat(closer.returnedWithin(5, TimeUnit.SECONDS)).as("close() returned once the task ended").isTrue();
      assertThat(closer.failure.get()).isNull();
      assertThat(doneWhenCloseReturned.get()).as("the task had ended when close() returned").isTrue();
      assertThat(pool.isTerminated()).isTrue();
    } finally {
      release.countDown();
      pool.shutdownNow();
    }
  }

  /** The JDK's {@code ExecutorService.close()}; the test is skipped where it is missing, unless expected. */
  private static Close viaExecutorService() {
    Method close = executorServiceClose();
    if (close == null) {
      assertThat(Boolean.getBoolean("obs4j.expect.executor.close"))
          .as("the build runs this on a JDK with ExecutorService.close(), but Java %s has none", Runtime.version())
          .isFalse();
      Assumptions.abort("ExecutorService.close() is JDK 19 and later; this is Java " + Runtime.version());
    }
    return wrapper -> invoke(close, wrapper);
  }

  private static void invoke(Method close, ExecutorService wrapper) throws Exception {
    try {
      close.invoke(wrapper);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
    }
  }

  private static @Nullable Method executorServiceClose() {
    try {
      return ExecutorService.class.getMethod("close");
    } catch (NoSuchMethodException e) {
      return null;
    }
  }

  /** A close() run on a helper thread, so that one that never returns fails the test instead of hanging it. */
  private static final class Closer {
    final Thread thread;
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Closer(Close close, ExecutorService wrapper) {
      thread = new Thread(() -> {
        try {
          close.close(wrapper);
        } catch (Throwable e) {
          failure.set(e);
        }
      }, "closer");
      thread.setDaemon(true);
    }

    static Closer start(Close close, ExecutorService wrapper) {
      Closer closer = new Closer(close, wrapper);
      closer.thread.start();
      return closer;
    }

    boolean returnedWithin(long timeout, TimeUnit unit) throws InterruptedException {
      thread.join(unit.toMillis(timeout));
      return !thread.isAlive();
    }
  }
}
