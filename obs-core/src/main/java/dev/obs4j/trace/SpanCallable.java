/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import org.jspecify.annotations.Nullable;

/**
 * Code that returns a value and runs inside a span; see {@link dev.obs4j.Obs#inSpan(String, SpanCallable)}.
 *
 * @param <T> the result
 * @param <E> the exception the code may throw, rethrown unchanged
 */
@FunctionalInterface
public interface SpanCallable<T extends @Nullable Object, E extends Throwable> {
  /** Runs the code. */
  T call() throws E;
}
