/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A child JVM on the tests' class path with Logback as SLF4J's backend in place of log4j2 (the tests' own):
 * the Logback jars come from the pom ({@code logback.classpath}), and log4j's SLF4J binding is left out.
 */
public final class LogbackJvm {
  private LogbackJvm() {}

  /** Runs {@code main} with {@code jvmArgs}, at most 60 s; returns what it printed (stdout and stderr). */
  public static String run(Class<?> main, String... jvmArgs) throws Exception {
    String logback = System.getProperty("logback.classpath");
    assertThat(logback).as("the Logback jars, from the pom").isNotBlank().doesNotContain("${");
    String classpath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("log4j-slf4j2-impl"))
            .collect(Collectors.joining(File.pathSeparator))
            + File.pathSeparator + logback;
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(classpath);
    command.addAll(List.of(jvmArgs));
    command.add(main.getName());
    Path out = Files.createTempFile("logback-jvm", ".out");
    try {
      Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      boolean exited = child.waitFor(60, TimeUnit.SECONDS);
      child.destroyForcibly();
      String output = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(exited).as(output).isTrue();
      assertThat(output).contains("backend: ch.qos.logback.classic.LoggerContext");
      return output;
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
