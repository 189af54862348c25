/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The in-JVM queue adapter. */
@NullMarked
package dev.obs4j.messaging.queue;

import org.jspecify.annotations.NullMarked;
