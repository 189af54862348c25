/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Internal, not for public use. Logs one line per problem per interval (default one minute), so that a
 * failing exporter writes a WARN line a minute, never one per span. The number of distinct problems is
 * bounded by the call sites that use it.
 */
public final class ThrottledLogger {
  private final Logger logger;
  private final long intervalNanos;
  private final ConcurrentMap<String, Long> lastLogged = new ConcurrentHashMap<>();

  public ThrottledLogger(Logger logger) {
    this(logger, TimeUnit.MINUTES.toNanos(1));
  }

  public ThrottledLogger(Logger logger, long intervalNanos) {
    this.logger = logger;
    this.intervalNanos = intervalNanos;
  }

  /** WARN for what degrades and recovers; {@code problem} is the throttling key. */
  public void warn(String problem, String message, @Nullable Throwable error) {
    if (shouldLog(problem)) {
      if (error == null) {
        logger.warn(message);
      } else {
        // a secret in the exception (a driver quoting its URL) is masked, in the line and the stack trace
        logger.warn(message + ": " + MaskedThrowable.describe(error), logger.isDebugEnabled() ? MaskedThrowable.of(error) : null);
      }
    }
  }

  /** ERROR for what loses data or cannot recover; {@code problem} is the throttling key. */
  public void error(String problem, String message, @Nullable Throwable error) {
    if (shouldLog(problem)) {
      if (error == null) {
        logger.error(message);
      } else {
        // a secret in the exception (a driver quoting its URL) is masked, in the line and the stack trace
        logger.error(message + ": " + MaskedThrowable.describe(error), logger.isDebugEnabled() ? MaskedThrowable.of(error) : null);
      }
    }
  }

  private boolean shouldLog(String problem) {
    long now = System.nanoTime();
    boolean[] log = {false};
    lastLogged.compute(
        problem,
        (k, last) -> {
          if (last == null || now - last >= intervalNanos) {
            log[0] = true;
            return now;
          }
          return last;
        });
    return log[0];
  }
}
