/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** HTTP server and client tracing (filled by the obs-http issue). */
@NullMarked
package dev.obs4j.http;

import org.jspecify.annotations.NullMarked;
