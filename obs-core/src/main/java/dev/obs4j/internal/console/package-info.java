/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Internal, not for public use: the console page ({@code OBS4J_CONSOLE}) and the spans it shows. */
@NullMarked
package dev.obs4j.internal.console;

import org.jspecify.annotations.NullMarked;
