/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.Recorder;
import dev.obs4j.metrics.CardinalityGuard;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Queue names made from data (a tenant, a date, a uuid) cannot make a series each. */
class DestinationCardinalityTest {
  private static final int NAMES = 100_000;
  private static final int LIMIT = 100; // OBS4J_METRICS_MAX_TAG_VALUES by default

  @Test
  void hundredThousandQueueNames_makeAtMostTheLimitOfSeriesPerMeter_andEveryCollapseIsCounted() throws Exception {
    try (Recorder service = new Recorder("orders")) {
      BlockingQueue<Envelope<String>> shared = new ArrayBlockingQueue<>(1);
      for (int i = 0; i < NAMES; i++) {
        TracedQueue<String> queue = TracedQueue.create(service.messaging, "tenant-" + i + "-orders", shared);
        assertThat(queue.publish("order-" + i, Duration.ofSeconds(1))).isTrue();
        boolean[] handled = {false};
        assertThat(queue.consume(Duration.ofSeconds(1), payload -> handled[0] = true)).isTrue();
        assertThat(handled[0]).isTrue();
        if (i % 5_000 == 0) {
          service.spans.reset(); // the spans are not what this test is about; keep the test's own heap small
        }
      }

      // Each messaging meter keeps the first LIMIT names and OTHER, whatever came after.
      for (String name : List.of(MessagingHandler.CLIENT_OPERATION_DURATION, MessagingHandler.QUEUE_TIME, MessagingHandler.PROCESS_DURATION)) {
        List<Timer> timers = List.copyOf(service.obs.meterRegistry().find(name).timers());
        Set<String> destinations = timers.stream()
            .map(t -> t.getId().getTag("messaging.destination.name")).collect(Collectors.toSet());
        assertThat(destinations).as(name).hasSize(LIMIT + 1).contains(CardinalityGuard.OTHER, "tenant-0-orders");
        assertThat(timers).as(name).hasSizeLessThanOrEqualTo(2 * (LIMIT + 1)); // x outcome
        long total = timers.stream().mapToLong(Timer::count).sum();
        assertThat(total).as(name + ": no message goes uncounted").isEqualTo(NAMES);
        long collapsed = timers.stream()
            .filter(t -> CardinalityGuard.OTHER.equals(t.getId().getTag("messaging.destination.name")))
            .mapToLong(Timer::count).sum();
        assertThat(collapsed).as(name).isEqualTo(NAMES - LIMIT);
      }
      // The whole registry stays small, and the guard counted (at least) every name it collapsed.
      List<Meter> meters = service.obs.meterRegistry().getMeters();
      assertThat(meters).hasSizeLessThan(1_000);
      double counted = service.obs.meterRegistry().get("obs4j.metrics.tag.values.collapsed").counter().count();
      assertThat(counted).isGreaterThanOrEqualTo(NAMES - LIMIT);
    }
  }
}
