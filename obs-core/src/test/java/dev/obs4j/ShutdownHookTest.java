/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Span;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shutdown hook, on by default, flushes what is pending when the JVM exits. */
class ShutdownHookTest {

  @Test
  void jvmExit_flushesPendingSpans() throws Exception {
    try (UdpAgent agent = new UdpAgent()) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      // The child logs to a file of its own: sharing the tests' log file would truncate it under them.
      Process child = new ProcessBuilder(java, "-Dobs4j.test.log=target/shutdown-hook-child.log",
              "-cp", System.getProperty("java.class.path"),
              ShutdownHookMain.class.getName(), Integer.toString(agent.port()))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).isZero();
      List<Span> spans = agent.awaitSpans(1, 5, TimeUnit.SECONDS);
      assertThat(spans).extracting(Span::getOperationName).containsExactly("last words");
      assertThat(agent.batches().get(0).getProcess().getServiceName()).isEqualTo("short-lived");
    }
  }
}
