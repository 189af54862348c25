/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class ThrottledLoggerTest {
  /** A logger that keeps the messages of its warn and error calls. */
  private static Logger recording(List<String> lines) {
    return (Logger)
        Proxy.newProxyInstance(
            Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "warn", "error" -> lines.add((String) args[0]);
                case "isDebugEnabled" -> {
                  return false;
                }
                case "getName" -> {
                  return "test";
                }
                default -> { }
              }
              return null;
            });
  }

  @Test
  void oneLinePerProblemPerInterval() {
    List<String> lines = new CopyOnWriteArrayList<>();
    ThrottledLogger log = new ThrottledLogger(recording(lines), TimeUnit.MINUTES.toNanos(1));
    for (int i = 0; i < 100; i++) {
      log.warn("publish-orders", "orders failed", null);
      log.error("process-orders", "processing failed", new IllegalStateException("x"));
    }
    assertThat(lines).containsExactly("orders failed", "processing failed: java.lang.IllegalStateException: x");
    assertThat(log.tracked()).isEqualTo(2);
    assertThat(log.evicted()).isZero();
  }

  @Test
  void problemsNamedAfterData_areBounded_andWhatIsForgottenEarlyIsCounted() {
    List<String> lines = new CopyOnWriteArrayList<>();
    ThrottledLogger log = new ThrottledLogger(recording(lines), TimeUnit.MINUTES.toNanos(1));
    for (int i = 0; i < 10_000; i++) {
      log.warn("publish-amq.rabbitmq.reply-to." + i, "reply " + i + " failed", null); // a key per reply queue
    }
    assertThat(log.tracked()).isEqualTo(ThrottledLogger.DEFAULT_MAX_PROBLEMS);
    assertThat(log.evicted()).isEqualTo(10_000 - ThrottledLogger.DEFAULT_MAX_PROBLEMS);
    assertThat(lines).hasSize(10_000);

    // The most recently seen are still throttled; the least recently seen were forgotten.
    log.warn("publish-amq.rabbitmq.reply-to.9999", "again", null);
    assertThat(lines).hasSize(10_000);
    log.warn("publish-amq.rabbitmq.reply-to.0", "again", null);
    assertThat(lines).hasSize(10_001);
  }

  @Test
  void forgettingAProblemWhoseIntervalIsOver_isNotCounted() throws InterruptedException {
    List<String> lines = new CopyOnWriteArrayList<>();
    ThrottledLogger log = new ThrottledLogger(recording(lines), TimeUnit.MILLISECONDS.toNanos(1), 4);
    for (int i = 0; i < 4; i++) {
      log.warn("p" + i, "p" + i, null);
    }
    Thread.sleep(5);
    for (int i = 4; i < 8; i++) {
      log.warn("p" + i, "p" + i, null);
    }
    assertThat(log.tracked()).isEqualTo(4);
    assertThat(log.evicted()).as("their interval was over: nothing lost").isZero();
  }
}
