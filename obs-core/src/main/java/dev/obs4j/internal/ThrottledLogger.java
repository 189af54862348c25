/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * Internal, not for public use. Logs one line per problem per interval (default one minute), so that a
 * failing exporter writes a WARN line a minute, never one per span. Problems may be named after data (a
 * destination, a routing key), so at most {@value #DEFAULT_MAX_PROBLEMS} are tracked (least recently seen
 * forgotten first); forgetting one still within its interval lets it log again early, and is counted in
 * {@link #evicted()}.
 */
public final class ThrottledLogger {
  /** How many distinct problems a logger tracks by default. */
  public static final int DEFAULT_MAX_PROBLEMS = 1024;

  private final Logger logger;
  private final long intervalNanos;
  private final AtomicLong evicted = new AtomicLong();
  /** Problem to the nanoTime it was last logged; in access order, guarded by itself. */
  private final Map<String, Long> lastLogged;

  public ThrottledLogger(Logger logger) {
    this(logger, TimeUnit.MINUTES.toNanos(1));
  }

  public ThrottledLogger(Logger logger, long intervalNanos) {
    this(logger, intervalNanos, DEFAULT_MAX_PROBLEMS);
  }

  public ThrottledLogger(Logger logger, long intervalNanos, int maxProblems) {
    if (maxProblems < 1) {
      throw new IllegalArgumentException("maxProblems must be positive: " + maxProblems);
    }
    this.logger = logger;
    this.intervalNanos = intervalNanos;
    this.lastLogged =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            if (size() <= maxProblems) {
              return false;
            }
            if (System.nanoTime() - eldest.getValue() < intervalNanos) {
              evicted.incrementAndGet(); // still throttled: forgetting it may let it log early
            }
            return true;
          }
        };
  }

  /** Problems forgotten while still within their interval, because more than the maximum were tracked. */
  public long evicted() {
    return evicted.get();
  }

  /** How many problems are tracked now (at most the maximum). */
  public int tracked() {
    synchronized (lastLogged) {
      return lastLogged.size();
    }
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
    synchronized (lastLogged) { // only on the paths that log a problem: a lock is cheap beside the log line
      Long last = lastLogged.get(problem);
      if (last != null && now - last < intervalNanos) {
        return false;
      }
      lastLogged.put(problem, now);
      return true;
    }
  }
}
