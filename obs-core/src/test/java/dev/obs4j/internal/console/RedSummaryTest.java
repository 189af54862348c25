/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The console's queue table reads the messaging meters by their current names. */
class RedSummaryTest {
  @Test
  void enqueueErrors_comeFromTheSendsOfMessagingClientOperationDuration_notItsReceives() {
    MeterRegistry registry = new SimpleMeterRegistry();
    Timer.builder("messaging.queue.time").tags("messaging.system", "rabbitmq", "messaging.destination.name", "orders",
        "messaging.operation.name", "receive", "outcome", "success").register(registry).record(Duration.ofMillis(5));
    for (String[] op : new String[][] {
        {"send", "publish", "", "success", "3"},
        {"send", "publish", "dev.obs4j.messaging.rabbitmq.TracedChannel$NackException", "failure", "1"},
        {"receive", "receive", "java.io.IOException", "failure", "5"}}) {
      Timer timer = Timer.builder("messaging.client.operation.duration").tags("messaging.system", "rabbitmq",
          "messaging.destination.name", "orders", "messaging.operation.type", op[0], "messaging.operation.name", op[1],
          "error.type", op[2], "outcome", op[3]).register(registry);
      for (int i = 0; i < Integer.parseInt(op[4]); i++) {
        timer.record(Duration.ofMillis(1));
      }
    }
    String html = RedSummary.html(registry, 10);
    assertThat(html).contains("<td>rabbitmq orders</td><td>1</td><td>0.10</td><td>1 (25.0%)</td>");
  }
}
