/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The obs4j demo application. */
@NullMarked
package dev.obs4j.demo;

import org.jspecify.annotations.NullMarked;
