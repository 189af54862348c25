/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The java.net.http.HttpClient adapter. */
@NullMarked
package dev.obs4j.http.client;

import org.jspecify.annotations.NullMarked;
