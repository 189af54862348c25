/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Internal, not for public use. */
@NullMarked
package dev.obs4j.internal;

import org.jspecify.annotations.NullMarked;
