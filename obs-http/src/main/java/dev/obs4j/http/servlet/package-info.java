/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The Jakarta Servlet adapter. */
@NullMarked
package dev.obs4j.http.servlet;

import org.jspecify.annotations.NullMarked;
