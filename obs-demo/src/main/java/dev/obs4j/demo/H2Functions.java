/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

/** Functions the demo's H2 database borrows from PostgreSQL; public because H2 calls them by reflection. */
public final class H2Functions {
  private H2Functions() {}

  /** H2's stand-in for PostgreSQL's {@code pg_sleep(seconds)}. */
  public static int sleepSeconds(double seconds) throws InterruptedException {
    Thread.sleep((long) (seconds * 1000));
    return 1;
  }
}
