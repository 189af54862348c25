/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * HTTP server and client tracing and RED metrics for any framework: {@link dev.obs4j.http.ObsHttp} owns
 * naming, attributes, metrics and log context; adapters in the sub-packages only translate.
 */
@NullMarked
package dev.obs4j.http;

import org.jspecify.annotations.NullMarked;
