/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import java.io.Console;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * What the demo's {@code log4j2.xml} writes where, decided before log4j starts: standard output as ECS JSON
 * (for a log shipper: a container, a pipe) or as one readable line per event (for a person at a terminal),
 * and whether there is a JSON log file at all. The decisions reach the configuration as system properties,
 * which its arbiters read, so they must be made before the first logger is created.
 */
final class DemoLogging {
  /** The system property the configuration reads: {@code json} or {@code text}. */
  static final String FORMAT_PROPERTY = "obs4j.demo.log.format";
  /** The log file's directory: this system property, else {@link #DIR_ENV}, else {@code logs}; empty: none. */
  static final String DIR_PROPERTY = "obs4j.demo.log.dir";

  static final String DIR_ENV = "OBS4J_DEMO_LOG_DIR";
  /** The system property the configuration reads: {@code on} or {@code off}. */
  static final String FILE_PROPERTY = "obs4j.demo.log.file";

  private DemoLogging() {}

  /** Sets the properties the configuration reads; call before anything logs. */
  static void configure(DemoConfig config) {
    System.setProperty(FORMAT_PROPERTY, format(config.logFormat(), standardOutputIsTerminal()));
    String dir = logDir(System.getProperty(DIR_PROPERTY), System.getenv(DIR_ENV));
    System.setProperty(FILE_PROPERTY, dir == null ? "off" : "on");
    System.setProperty(DIR_PROPERTY, dir == null ? "" : dir);
  }

  /** The format asked for, else text for a person at a terminal and JSON for anything else. */
  static String format(@Nullable String configured, boolean terminal) {
    if (configured != null) {
      return configured;
    }
    return terminal ? "text" : "json";
  }

  /**
   * The log file's directory: the system property, else the environment variable, else {@code logs}; null
   * (no log file) when the one that is set is empty, as for a read-only root file system.
   */
  static @Nullable String logDir(@Nullable String property, @Nullable String environment) {
    String dir = property != null ? property : environment != null ? environment : "logs";
    return dir.isBlank() ? null : dir.trim();
  }

  /**
   * Whether standard output goes to a terminal. On JDK 17 {@link System#console()} is null unless standard
   * input and output are both a terminal; from JDK 22 it is there anyway and {@code Console.isTerminal()}
   * tells.
   */
  static boolean standardOutputIsTerminal() {
    return isTerminal(System.console());
  }

  static boolean isTerminal(@Nullable Console console) {
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return Boolean.TRUE.equals(isTerminal.invoke(console));
    } catch (NoSuchMethodException e) {
      return true; // before JDK 22 a console exists only on a terminal
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }
}
