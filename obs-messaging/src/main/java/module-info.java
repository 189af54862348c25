/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * obs4j for messaging: producer and consumer spans, queue time and enqueue metrics for Kafka, RabbitMQ and
 * an in-JVM queue. The Kafka and RabbitMQ clients are optional: an application brings the one it uses.
 */
module dev.obs4j.messaging {
  requires transitive dev.obs4j.core;

  requires static transitive kafka.clients;
  requires static transitive com.rabbitmq.client;

  exports dev.obs4j.messaging;
  exports dev.obs4j.messaging.kafka;
  exports dev.obs4j.messaging.queue;
  exports dev.obs4j.messaging.rabbitmq;
}
