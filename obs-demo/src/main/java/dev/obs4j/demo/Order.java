/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import org.jspecify.annotations.Nullable;

/** An order as the orders service stores it and answers it. */
record Order(long id, String item, int quantity, String status, @Nullable String userId) {
  static final String NEW = "NEW";
  static final String SHIPPED = "SHIPPED";
}
