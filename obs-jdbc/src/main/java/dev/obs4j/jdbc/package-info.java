/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** JDBC tracing (filled by the obs-jdbc issue). */
@NullMarked
package dev.obs4j.jdbc;

import org.jspecify.annotations.NullMarked;
