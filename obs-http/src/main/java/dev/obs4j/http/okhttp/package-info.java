/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The OkHttp adapter; the library is an optional dependency, brought by the application. */
@NullMarked
package dev.obs4j.http.okhttp;

import org.jspecify.annotations.NullMarked;
