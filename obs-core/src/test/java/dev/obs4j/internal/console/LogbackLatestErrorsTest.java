/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The console's latest errors where Logback is SLF4J's backend: a child JVM with Logback in place of
 * log4j2 (the tests' own backend) logs an ERROR in a span and reads its console.
 */
class LogbackLatestErrorsTest {

  @Test
  void logbackBackend_errorLineInASpan_isAmongTheLatestErrors_linkedToItsTrace() throws Exception {
    String logback = System.getProperty("logback.classpath");
    assertThat(logback).as("the Logback jars, from the pom").isNotBlank().doesNotContain("${");
    String classpath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("log4j-slf4j2-impl"))
            .collect(Collectors.joining(File.pathSeparator))
            + File.pathSeparator + logback;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = Files.createTempFile("logback-console", ".out");
    Process child = new ProcessBuilder(java, "-cp", classpath, LogbackConsoleMain.class.getName())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    boolean exited = child.waitFor(60, TimeUnit.SECONDS);
    child.destroyForcibly();
    String output = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    assertThat(exited).as(output).isTrue();
    assertThat(output).contains("backend: ch.qos.logback.classic.LoggerContext");
    Matcher trace = Pattern.compile("trace: ([0-9a-f]{32})").matcher(output);
    assertThat(trace.find()).as(output).isTrue();
    String traceId = trace.group(1);
    assertThat(output)
        .contains("card &lt;declined&gt; for order 17")
        .contains("<td>billing</td>")
        .contains("<a href=\"/obs/trace/" + traceId + "\"><code>" + traceId + "</code></a>");
  }
}
