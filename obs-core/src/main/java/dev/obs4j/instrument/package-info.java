/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The shared operation lifecycle obs4j's integrations are built on; for writing an integration of your own. */
@NullMarked
package dev.obs4j.instrument;

import org.jspecify.annotations.NullMarked;
