/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** Metrics helpers: the Prometheus scrape and the cardinality guard. */
@NullMarked
package dev.obs4j.metrics;

import org.jspecify.annotations.NullMarked;
