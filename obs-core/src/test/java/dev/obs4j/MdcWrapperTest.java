/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The simplest main on an SLF4J backend other than log4j2 (here none: SLF4J's no-op, whose MDC keeps
 * nothing): building Obs first installs the MDC wrapper, with no warning; touching the context before, the
 * case the warning describes, leaves it out. Each in a fresh JVM, since the wrapper is installed once.
 */
class MdcWrapperTest {

  private static String run(String... args) throws Exception {
    String classpath =
        Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(e -> !e.contains("log4j-slf4j2-impl"))
            .collect(Collectors.joining(File.pathSeparator));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String[] command = new String[5 + args.length];
    command[0] = java;
    command[1] = "-cp";
    command[2] = classpath;
    command[3] = "-Dlog4j2.configurationFile=none";
    command[4] = MdcWrapperMain.class.getName();
    System.arraycopy(args, 0, command, 5, args.length);
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void obsBuiltFirst_installsTheMdcWrapper() throws Exception {
    assertThat(run()).contains("mdc follows spans: true");
  }

  @Test
  void contextTouchedBeforeObs_isTheCaseTheWarningIsFor() throws Exception {
    assertThat(run("touch-context-first")).contains("mdc follows spans: false");
  }
}
