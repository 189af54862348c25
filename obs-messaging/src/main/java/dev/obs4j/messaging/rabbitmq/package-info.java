/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/** The RabbitMQ adapter (amqp-client is an optional dependency). */
@NullMarked
package dev.obs4j.messaging.rabbitmq;

import org.jspecify.annotations.NullMarked;
