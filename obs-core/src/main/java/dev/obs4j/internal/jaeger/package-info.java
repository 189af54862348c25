/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Internal, not for public use: the Jaeger agent UDP exporter. */
@NullMarked
package dev.obs4j.internal.jaeger;

import org.jspecify.annotations.NullMarked;
