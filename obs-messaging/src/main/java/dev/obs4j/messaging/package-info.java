/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Traces across message queues and the queue metrics: {@link dev.obs4j.messaging.ObsMessaging}. */
@NullMarked
package dev.obs4j.messaging;

import org.jspecify.annotations.NullMarked;
