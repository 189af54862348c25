/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The {@link dev.obs4j.Obs} handle: traces, metrics and correlated logs for a plain Java service. */
@NullMarked
package dev.obs4j;

import org.jspecify.annotations.NullMarked;
