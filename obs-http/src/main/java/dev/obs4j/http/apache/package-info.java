/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The Apache HttpClient 5 (classic and async) adapter; the library is an optional dependency, brought by the application. */
@NullMarked
package dev.obs4j.http.apache;

import org.jspecify.annotations.NullMarked;
