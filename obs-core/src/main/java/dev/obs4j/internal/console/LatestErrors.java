/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The last {@value #CAPACITY} ERROR and WARN log lines of this JVM, with the
 * trace id each was written under, for the console's "latest errors". Filled by a logging backend's
 * appender (log4j2's: {@code Log4j2LatestErrorsAppender}); one ring per JVM, since the logging backend is
 * one per JVM too.
 */
public final class LatestErrors {
  static final int CAPACITY = 200;
  /** Characters of a message kept; the rest is cut. */
  static final int MAX_MESSAGE = 4_000;
  private static final AtomicReferenceArray<Line> LINES = new AtomicReferenceArray<>(CAPACITY);
  private static final AtomicLong NEXT = new AtomicLong();

  private LatestErrors() {}

  /** One log line as the console shows it. */
  public record Line(
      long epochMillis,
      String level,
      String logger,
      String message,
      @Nullable String traceId,
      @Nullable String service) {}

  /** Keeps {@code line}, overwriting the oldest once full. Must be cheap: it runs on the logging thread. */
  public static void add(Line line) {
    Line kept = line.message().length() <= MAX_MESSAGE ? line : new Line(line.epochMillis(), line.level(),
        line.logger(), line.message().substring(0, MAX_MESSAGE) + " ...", line.traceId(), line.service());
    LINES.set((int) Math.floorMod(NEXT.getAndIncrement(), (long) CAPACITY), kept);
  }

  /** The lines kept, newest first, at most {@code max}. */
  public static List<Line> latest(int max) {
    long next = NEXT.get();
    List<Line> out = new ArrayList<>();
    for (long i = next - 1; i >= 0 && i >= next - CAPACITY && out.size() < max; i--) {
      Line line = LINES.get((int) Math.floorMod(i, (long) CAPACITY));
      if (line != null) {
        out.add(line);
      }
    }
    return out;
  }
}
