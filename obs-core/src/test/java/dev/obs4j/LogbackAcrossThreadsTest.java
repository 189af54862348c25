/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.LogbackJvm;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code ObsContext.wrap} where Logback is SLF4J's backend: there the MDC is the only log context, so the
 * wrapper must put the ids and the fields in the pool thread's MDC and take them out again. A child JVM
 * with Logback in place of log4j2 (the tests' own backend), see {@link LogbackAcrossThreadsMain}.
 */
class LogbackAcrossThreadsTest {

  @Test
  void logbackBackend_poolLinesCarryTheRequest_theNextTaskOnTheThreadNothing() throws Exception {
    String output =
        LogbackJvm.run(LogbackAcrossThreadsMain.class, "-Dlogback.configurationFile=dev/obs4j/logback-threads.xml");
    Matcher trace = Pattern.compile("trace: ([0-9a-f]{32})").matcher(output);
    Matcher span = Pattern.compile("span: ([0-9a-f]{16})").matcher(output);
    assertThat(trace.find() && span.find()).as(output).isTrue();

    assertThat(output)
        .contains("line|" + trace.group(1) + "|" + span.group(1) + "|alice|acme|mobile|in the pool")
        .contains("line||||||the next task");
  }
}
