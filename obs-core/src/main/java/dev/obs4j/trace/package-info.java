/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Tracing helpers: context propagation over any carrier, error recording, and the functional span API. */
@NullMarked
package dev.obs4j.trace;

import org.jspecify.annotations.NullMarked;
