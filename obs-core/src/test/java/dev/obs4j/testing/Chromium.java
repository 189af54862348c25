/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Headless Chromium from Debian's {@code chromium} package, with the flags that keep it off the network
 * (no background requests, no updates, no sync) and a fresh profile each run; a missing browser fails the
 * test ({@code .ci/run} installs it).
 */
public final class Chromium {
  private Chromium() {}

  /** The page at {@code url} as the browser built it ({@code --dump-dom}). */
  public static String dom(String url) throws Exception {
    return run("--dump-dom", url);
  }

  /** A screenshot of {@code url} at 1280 x {@code height}, written to {@code png}. */
  public static void screenshot(String url, Path png, int height) throws Exception {
    Files.createDirectories(png.toAbsolutePath().getParent());
    run("--screenshot=" + png.toAbsolutePath(), "--window-size=1280," + height, url);
  }

  /**
   * The page at {@code url} as its scripts built it: Chromium's virtual clock runs {@code virtualMillis}
   * ({@code --virtual-time-budget}, which waits for the page's requests and skips idle time) before the DOM is
   * taken, for pages that fetch and draw their content after loading (Prometheus's graph page). Must be above 0.
   */
  public static String dom(String url, int virtualMillis) throws Exception {
    return run("--virtual-time-budget=" + positive(virtualMillis), "--dump-dom", url);
  }

  /** {@link #screenshot(String, Path, int)} after {@code virtualMillis} of the page's scripts, as {@link #dom(String, int)}. */
  public static void screenshot(String url, Path png, int height, int virtualMillis) throws Exception {
    Files.createDirectories(png.toAbsolutePath().getParent());
    run("--virtual-time-budget=" + positive(virtualMillis), "--screenshot=" + png.toAbsolutePath(),
        "--window-size=1280," + height, url);
  }

  /** A budget of 0 made Chromium 156 hang instead of taking the page at once. */
  private static int positive(int virtualMillis) {
    if (virtualMillis <= 0) {
      throw new IllegalArgumentException("virtual time budget must be above 0 ms: " + virtualMillis);
    }
    return virtualMillis;
  }

  private static String run(String... args) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    List<String> command = new ArrayList<>(List.of(
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--user-data-dir=" + profile));
    command.addAll(List.of(args));
    Path out = Files.createTempFile("chromium", ".out");
    Process process = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished %s", List.of(args)).isTrue();
      assertThat(process.exitValue()).as("chromium exit code for %s", List.of(args)).isZero();
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(out);
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
