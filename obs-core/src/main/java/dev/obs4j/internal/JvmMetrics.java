/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Micrometer's JVM and process meters (memory, GC, threads, class loading,
 * CPU, uptime, file descriptors), bound to a registry on its first scrape or a few seconds after the service
 * started, whichever comes first, rather than while it starts. Binding them reads a dozen MXBeans and loads
 * about 150 classes: 130 ms on one core, measured by the overhead harness, which a service's first request
 * has no use for. The first scrape always has them; GC pauses before the binding are not counted.
 */
public final class JvmMetrics implements AutoCloseable {
  private final MeterRegistry registry;
  private final Object lock = new Object();
  private final Thread delayed;
  private boolean bound;
  private boolean closed;
  private @Nullable JvmGcMetrics gc;

  /** Binds to {@code registry} when {@link #bind} is first called, or after {@code delay}. */
  public JvmMetrics(MeterRegistry registry, Duration delay) {
    this.registry = registry;
    Thread thread =
        new Thread(
            () -> {
              try {
                Thread.sleep(delay.toMillis());
                bind();
              } catch (InterruptedException closedMeanwhile) {
                // closed before the delay ran out: nothing to bind
              }
            },
            "obs4j-jvm-metrics");
    thread.setDaemon(true);
    this.delayed = thread;
    thread.start();
  }

  /** Binds the meters now unless they are already (or closed). Cheap after the first call. */
  public void bind() {
    synchronized (lock) {
      if (bound || closed) {
        return;
      }
      bound = true;
      new JvmMemoryMetrics().bindTo(registry);
      JvmGcMetrics gcMetrics = new JvmGcMetrics();
      gcMetrics.bindTo(registry);
      gc = gcMetrics;
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      new FileDescriptorMetrics().bindTo(registry);
    }
  }

  /** True once the meters are bound: for tests. */
  public boolean isBound() {
    synchronized (lock) {
      return bound;
    }
  }

  /** Stops the GC listener and the delayed binding. */
  @Override
  public void close() {
    JvmGcMetrics gcMetrics;
    synchronized (lock) {
      closed = true;
      gcMetrics = gc;
    }
    delayed.interrupt();
    if (gcMetrics != null) {
      gcMetrics.close();
    }
  }
}
