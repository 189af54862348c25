/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@code build()} that fails leaves nothing behind: no global registration, no thread (not even the JVM
 * meters' delayed binding, 10 s later), no socket, so that a second {@code build()} works as the first would
 * have.
 */
class BuildFailureTest {

  @BeforeEach
  @AfterEach
  void noGlobal() {
    GlobalOpenTelemetry.resetForTest();
  }

  @Test
  void everyFailurePoint_leavesNoGlobalNoThreadNoSocket_andASecondBuildRegistersNormally() throws Exception {
    Set<Thread> before = threadsOfObs4j();
    long started = System.nanoTime();
    int port;
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = taken.getLocalPort();
      // the port is held: fails after the registry and the console are made, before any thread
      assertThatThrownBy(() -> everything().metricsServer("127.0.0.1", port).build())
          .isInstanceOf(ObsConfigException.class)
          .hasMessageContaining("OTEL_EXPORTER_PROMETHEUS_PORT")
          .hasMessageContaining("127.0.0.1:" + port);
    }
    assertThat(GlobalOpenTelemetry.isSet()).as("no global after a failed build").isFalse();

    int closedPort;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = probe.getLocalPort();
    }
    // a bad exporter list: fails after the metrics server and the remote sampler's poll thread started
    assertThatThrownBy(() -> everything().metricsServer("127.0.0.1", port)
            .sampler("jaeger_remote", "endpoint=http://127.0.0.1:" + closedPort + ",pollingIntervalMs=100")
            .set("OTEL_TRACES_EXPORTER", "jaeger,bogus").build())
        .isInstanceOf(ObsConfigException.class).hasMessageContaining("OTEL_TRACES_EXPORTER");
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).as("the metrics server's port was let go").isEqualTo(port);
    }
    // bad console settings, and a bad registration flag
    for (List<String> bad : List.of(
        List.of("OBS4J_CONSOLE_LOGS_URL", "http://127.0.0.1:5601/no-trace-id"),
        List.of("OBS4J_CONSOLE_MAX_BYTES", "12"),
        List.of("OBS4J_CONSOLE_PEERS", "ftp://127.0.0.1/"),
        List.of("OBS4J_CONSOLE_USERNAME", "ops"),
        List.of("OBS4J_REGISTER_GLOBAL", "maybe"))) {
      assertThatThrownBy(() -> everything().metricsServer("127.0.0.1", port).set(bad.get(0), bad.get(1)).build())
          .isInstanceOf(ObsConfigException.class).hasMessageContaining(bad.get(0));
    }
    assertThat(GlobalOpenTelemetry.isSet()).isFalse();

    // The JVM meters would have bound 10 s after the failed build: wait past that.
    long waitMillis = 11_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (waitMillis > 0) {
      Thread.sleep(waitMillis);
    }
    assertThat(newThreads(before)).as("obs4j threads left behind by failed builds").isEmpty();

    // A second build on a free port registers as the first one would have.
    try (SpanRecorder recorder = new SpanRecorder(everything().metricsServer("127.0.0.1", 0))) {
      assertThat(GlobalOpenTelemetry.isSet()).isTrue();
      GlobalOpenTelemetry.getTracer("a library").spanBuilder("through the global").startSpan().end();
      assertThat(recorder.spans()).extracting(s -> s.getName()).containsExactly("through the global");
      assertThat(recorder.obs.metricsServerAddress()).isNotNull();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!newThreads(before).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(newThreads(before)).as("closed: its threads ended").isEmpty();
  }

  /** A handle that starts everything obs4j can start: JVM meters, console, an exporter, global registration. */
  private static Obs.Builder everything() {
    return TestObs.builder("orders")
        .set("OBS4J_METRICS_JVM", "true")
        .set("OBS4J_CONSOLE", "true")
        .set("OBS4J_CONSOLE_PEERS", "http://127.0.0.1:1")
        .set("OBS4J_REGISTER_GLOBAL", "true")
        .set("OTEL_TRACES_EXPORTER", "jaeger")
        .jaegerAgent("127.0.0.1", 6831);
  }

  private static Set<String> newThreads(Set<Thread> before) {
    return threadsOfObs4j().stream().filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
  }

  /** obs4j's own threads, and those of the libraries it starts (the remote sampler's, the peer client's). */
  private static Set<Thread> threadsOfObs4j() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("obs4j") || t.getName().startsWith("JaegerRemoteSampler")
            || t.getName().startsWith("HttpClient"))
        .collect(Collectors.toSet());
  }
}
