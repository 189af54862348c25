/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import dev.obs4j.Secrets;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one part needs to serve (the database, the broker, the orders service), checked off the request path
 * every {@value #RETRY_SECONDS} s: readiness ({@code /healthy/ready}) is whether the last check of each
 * reached it. A check that fails is logged with the setting to fix, and retried; a part never exits because a
 * dependency is away. Checks also connect: the first check that reaches the database creates the table, the
 * first that reaches the broker opens the queue, and {@link #whenReady} runs once every check has passed.
 */
final class Dependencies {
  private static final Logger log = LoggerFactory.getLogger(Dependencies.class);

  static final int RETRY_SECONDS = 5;
  /** While a dependency stays away, its WARN line is repeated once a minute, not on every check. */
  private static final int REPEAT_EVERY = 60 / RETRY_SECONDS;

  /** Reaches a dependency (connecting, the first time) or throws why it cannot. */
  @FunctionalInterface
  interface Check {
    void run() throws Exception;
  }

  /** One dependency: a name, what and where it is (secrets masked), the setting that says where, the check. */
  private static final class Dependency {
    final String name;
    final String target;
    final String settings;
    final Check check;
    volatile @Nullable String problem = "not checked yet";
    int failuresInARow;

    Dependency(String name, String target, String settings, Check check) {
      this.name = name;
      this.target = target;
      this.settings = settings;
      this.check = check;
    }
  }

  private final Obs obs;
  private final List<Dependency> dependencies = new ArrayList<>();
  private final List<Runnable> whenReady = new CopyOnWriteArrayList<>();
  private volatile boolean readyOnce;

  /** The dependencies of the part whose handle is {@code obs} (its log lines carry that part's service name). */
  Dependencies(Obs obs) {
    this.obs = obs;
  }

  /**
   * Adds a dependency: {@code target} is how a person recognises it ("the database at jdbc:..."), masked here,
   * {@code settings} the flags and variables that point at it.
   */
  Dependencies add(String name, String target, String settings, Check check) {
    dependencies.add(new Dependency(name, Secrets.mask(target), settings, check));
    return this;
  }

  /** Runs {@code action} once, after the first round of checks that all passed (on the checking thread). */
  Dependencies whenReady(Runnable action) {
    whenReady.add(action);
    return this;
  }

  /**
   * Checks every dependency once, on this thread, without logging; fails with a message naming the first
   * one that cannot be reached and its setting. For {@code --part all}, which stops on a bad setting.
   */
  void checkOrFail() {
    round(false);
    for (Dependency d : dependencies) {
      String problem = d.problem;
      if (problem != null) {
        throw new IllegalStateException(describe(d, problem));
      }
    }
  }

  /** Checks every {@value #RETRY_SECONDS} s on {@code scheduler}, the first time after {@code firstDelaySeconds}. */
  void keepChecking(ScheduledExecutorService scheduler, int firstDelaySeconds) {
    scheduler.scheduleWithFixedDelay(
        () -> {
          try {
            round(true);
          } catch (RuntimeException e) {
            log.error("starting after the dependencies were reached failed; trying again in {} s", RETRY_SECONDS, e);
          }
        },
        firstDelaySeconds,
        RETRY_SECONDS,
        TimeUnit.SECONDS);
  }

  /** Whether every dependency was reached by its last check, and what waited for that has started. */
  boolean ready() {
    return readyOnce && dependencies.stream().allMatch(d -> d.problem == null);
  }

  /**
   * What {@code /healthy/ready} answers: {@code status} UP or DOWN and, when DOWN, each dependency that
   * could not be reached with its setting and the reason.
   */
  Map<String, Object> report() {
    Map<String, Object> body = new LinkedHashMap<>();
    List<Map<String, String>> unreachable = new ArrayList<>();
    List<String> checked = new ArrayList<>();
    for (Dependency d : dependencies) {
      checked.add(d.name);
      String problem = d.problem;
      if (problem != null) {
        Map<String, String> entry = new LinkedHashMap<>();
        entry.put("dependency", d.name);
        entry.put("target", d.target);
        entry.put("setting", d.settings);
        entry.put("error", problem);
        unreachable.add(entry);
      }
    }
    body.put("status", ready() ? "UP" : "DOWN");
    body.put("dependencies", checked);
    if (!unreachable.isEmpty()) {
      body.put("unreachable", unreachable);
    }
    return body;
  }

  private void round(boolean logging) {
    try (Scope ignored = obs.serviceScope()) {
      boolean all = true;
      for (Dependency d : dependencies) {
        all &= check(d, logging);
      }
      if (all && !readyOnce) {
        for (Runnable action : whenReady) {
          action.run(); // when one throws, the next round that reaches everything tries again
        }
        readyOnce = true;
      }
    }
  }

  private boolean check(Dependency d, boolean logging) {
    try {
      d.check.run();
    } catch (Exception e) {
      String problem = reason(e);
      String before = d.problem;
      d.problem = problem;
      if (logging && (d.failuresInARow == 0 || d.failuresInARow % REPEAT_EVERY == 0 || !problem.equals(before))) {
        log.warn("{}; retrying every {} s", describe(d, problem), RETRY_SECONDS);
      }
      d.failuresInARow++;
      return false;
    }
    if (logging && d.failuresInARow > 0) {
      log.info("reached {} ({}) again", d.target, d.settings);
    }
    d.failuresInARow = 0;
    d.problem = null;
    return true;
  }

  private static String describe(Dependency d, String problem) {
    return "cannot reach " + d.target + " (" + d.settings + "): " + problem;
  }

  /** The innermost message in the chain of causes (the one that says "Connection refused"), masked. */
  static String reason(Throwable e) {
    String message = null;
    int depth = 0;
    for (Throwable t = e; t != null && depth < 20; t = t.getCause() == t ? null : t.getCause(), depth++) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        message = t.getMessage();
      }
    }
    return Secrets.mask(message == null ? e.getClass().getSimpleName() : message.strip());
  }
}
