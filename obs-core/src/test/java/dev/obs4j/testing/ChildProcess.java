/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/** How the tests stop a server they started: by its process, SIGTERM first, and then delete its directory. */
public final class ChildProcess {
  private ChildProcess() {}

  /** SIGTERM, then SIGKILL after {@code seconds}; returns whether it stopped on SIGTERM. */
  public static boolean stop(Process process, int seconds) throws InterruptedException {
    if (!process.isAlive()) {
      return true;
    }
    process.destroy();
    if (process.waitFor(seconds, TimeUnit.SECONDS)) {
      return true;
    }
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    return false;
  }

  /** Stops {@code process} as {@link #stop} does and deletes {@code dir} with everything in it. */
  public static void stopAndDelete(Process process, int seconds, Path dir) throws IOException, InterruptedException {
    stop(process, seconds);
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
