/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The Javalin 7 adapter and its /metrics handler. */
@NullMarked
package dev.obs4j.http.javalin;

import org.jspecify.annotations.NullMarked;
