/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

/**
 * Code that returns nothing and runs inside a span; see {@link dev.obs4j.Obs#runInSpan(String, SpanRunnable)}.
 *
 * @param <E> the exception the code may throw, rethrown unchanged
 */
@FunctionalInterface
public interface SpanRunnable<E extends Throwable> {
  /** Runs the code. */
  void run() throws E;
}
