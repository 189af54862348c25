/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Internal, not for public use: trace ids in log events. */
@NullMarked
package dev.obs4j.internal.logs;

import org.jspecify.annotations.NullMarked;
