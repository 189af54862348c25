/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * obs4j for messaging: producer and consumer spans, queue time and enqueue metrics for Kafka, RabbitMQ and
 * an in-JVM queue. The Kafka and RabbitMQ clients are optional: an application brings the one it uses.
 * On the module path the application's own module {@code requires} that library: obs4j reads it
 * {@code static}, without passing it on, so that no user needs the libraries of the adapters it does not use.
 */
module dev.obs4j.messaging {
  requires transitive dev.obs4j.core;

  requires static kafka.clients;
  requires static com.rabbitmq.client;

  exports dev.obs4j.messaging;
  exports dev.obs4j.messaging.kafka;
  exports dev.obs4j.messaging.queue;
  exports dev.obs4j.messaging.rabbitmq;
}
