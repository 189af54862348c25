/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The JDK HTTP server adapter. */
@NullMarked
package dev.obs4j.http.jdk;

import org.jspecify.annotations.NullMarked;
