/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import org.jspecify.annotations.Nullable;

/** A statement as recorded: sanitized text, operation ({@code SELECT}) and table, when they could be read. */
record SqlInfo(String text, @Nullable String operation, @Nullable String collection) {
  /** {@code SELECT orders}, {@code SELECT}, or {@code fallback}. */
  String spanName(String fallback) {
    if (operation == null) {
      return fallback;
    }
    return collection == null ? operation : operation + " " + collection;
  }
}
