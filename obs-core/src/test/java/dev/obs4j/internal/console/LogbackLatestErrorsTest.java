/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.LogbackJvm;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The console's latest errors where Logback is SLF4J's backend: a child JVM with Logback in place of
 * log4j2 (the tests' own backend) logs an ERROR in a span and reads its console.
 */
class LogbackLatestErrorsTest {

  @Test
  void logbackBackend_errorLineInASpan_isAmongTheLatestErrors_linkedToItsTrace() throws Exception {
    String output = LogbackJvm.run(LogbackConsoleMain.class);
    Matcher trace = Pattern.compile("trace: ([0-9a-f]{32})").matcher(output);
    assertThat(trace.find()).as(output).isTrue();
    String traceId = trace.group(1);
    assertThat(output)
        .contains("card &lt;declined&gt; for order 17")
        .contains("<td>billing</td>")
        .contains("<a href=\"/obs/trace/" + traceId + "\"><code>" + traceId + "</code></a>");
  }
}
