/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. An exporter built on its first export, on the export thread, rather than
 * when the service starts. Building the OTLP/HTTP exporter loads the JDK's HTTP client and TLS set-up: about
 * half a second on one core, measured by the overhead harness, which the service's first request has no use
 * for. Its settings are checked when the service starts all the same; only the building waits.
 *
 * <p>A build that fails throws from {@link #export}, which the {@link BoundedSpanProcessor} counts as the
 * batch's loss ({@code exporter_error}) and logs; the next export tries again.
 */
final class DeferredSpanExporter implements SpanExporter {
  private final String description;
  private final Supplier<SpanExporter> factory;
  private final Object lock = new Object();
  private volatile @Nullable SpanExporter built;
  private volatile boolean shutdown;

  DeferredSpanExporter(String description, Supplier<SpanExporter> factory) {
    this.description = description;
    this.factory = factory;
  }

  /** The exporter, built now if it is not yet; null once shut down before it was ever built. */
  private @Nullable SpanExporter exporter() {
    SpanExporter exporter = built;
    if (exporter == null) {
      synchronized (lock) {
        exporter = built;
        if (exporter == null && !shutdown) {
          exporter = factory.get();
          built = exporter;
        }
      }
    }
    return exporter;
  }

  @Override
  public CompletableResultCode export(Collection<SpanData> spans) {
    SpanExporter exporter = exporter();
    return exporter == null ? CompletableResultCode.ofFailure() : exporter.export(spans);
  }

  @Override
  public CompletableResultCode flush() {
    SpanExporter exporter = built;
    return exporter == null ? CompletableResultCode.ofSuccess() : exporter.flush();
  }

  @Override
  public CompletableResultCode shutdown() {
    synchronized (lock) {
      shutdown = true;
      SpanExporter exporter = built;
      return exporter == null ? CompletableResultCode.ofSuccess() : exporter.shutdown();
    }
  }

  /** True once the exporter was built: for tests. */
  boolean isBuilt() {
    return built != null;
  }

  @Override
  public String toString() {
    SpanExporter exporter = built;
    return exporter == null ? description + " (built on its first export)" : exporter.toString();
  }
}
