/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Traced, timed and sanitized JDBC through {@link dev.obs4j.jdbc.ObsJdbc}. */
@NullMarked
package dev.obs4j.jdbc;

import org.jspecify.annotations.NullMarked;
