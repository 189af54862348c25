/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The Kafka adapter (kafka-clients is an optional dependency). */
@NullMarked
package dev.obs4j.messaging.kafka;

import org.jspecify.annotations.NullMarked;
