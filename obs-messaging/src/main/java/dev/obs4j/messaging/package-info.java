/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Message-queue tracing (filled by the obs-messaging issue). */
@NullMarked
package dev.obs4j.messaging;

import org.jspecify.annotations.NullMarked;
