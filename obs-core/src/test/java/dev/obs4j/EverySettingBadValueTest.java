/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.GlobalOpenTelemetry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every setting obs4j reads, given a value it cannot use, fails {@code build()} naming it, and leaves no
 * obs4j thread, no open socket and no global registration behind, though the handle asked for everything
 * that starts one (metrics server, console with peers, JVM meters, Jaeger exporter, a remote sampler).
 */
class EverySettingBadValueTest {
  private static final String PROBLEM = "a\u0001b";

  static Stream<List<String>> badValues() {
    return Stream.of(
        List.of("JAEGER_AGENT_HOST", PROBLEM),
        List.of("JAEGER_AGENT_PORT", "70000"),
        List.of("JAEGER_SAMPLER_TYPE", "bogus"),
        List.of("JAEGER_SAMPLER_PARAM", "2", "JAEGER_SAMPLER_TYPE", "const"),
        List.of("JAEGER_SAMPLER_MANAGER_HOST_PORT", "no port", "JAEGER_SAMPLER_TYPE", "remote"),
        List.of("JAEGER_SERVICE_NAME", PROBLEM),
        List.of("OBS4J_CONSOLE", "maybe"),
        List.of("OBS4J_CONSOLE_JAEGER_URL", "javascript:alert(1)"),
        List.of("OBS4J_CONSOLE_LOGS_URL", "http://127.0.0.1:5601/"),
        List.of("OBS4J_CONSOLE_MAX_BYTES", "1"),
        List.of("OBS4J_CONSOLE_MAX_SPANS", "0"),
        List.of("OBS4J_CONSOLE_PEERS", "ftp://127.0.0.1/"),
        List.of("OBS4J_CONSOLE_REMOTE", "maybe"),
        List.of("OBS4J_CONSOLE_TRACES", "0"),
        List.of("OBS4J_CONSOLE_TOKEN", PROBLEM),
        List.of("OBS4J_CONSOLE_USERNAME", "ops"),
        List.of("OBS4J_CONSOLE_PASSWORD", "pw"),
        List.of("OBS4J_CONTEXT_ACCEPT_INBOUND", "maybe"),
        List.of("OBS4J_CONTEXT_FIELDS", "user id!"),
        List.of("OBS4J_CONTEXT_PROPAGATE_HOSTS", "bad host!"),
        List.of("OBS4J_ENVIRONMENT", PROBLEM),
        List.of("OBS4J_EXTRACT_PROPAGATORS", "bogus"),
        List.of("OBS4J_LOGS_MDC", "maybe"),
        List.of("OBS4J_METRICS_EXEMPLARS_ON_ALL_TYPES", "maybe"),
        List.of("OBS4J_METRICS_JVM", "maybe"),
        List.of("OBS4J_METRICS_MAX_TAG_VALUES", "0"),
        List.of("OBS4J_METRICS_SERVER", "maybe"),
        List.of("OBS4J_METRICS_SERVER_USERNAME", "a:b", "OBS4J_METRICS_SERVER_PASSWORD", "pw"),
        List.of("OBS4J_METRICS_SERVER_PASSWORD", "pw"),
        List.of("OBS4J_REGISTER_GLOBAL", "maybe"),
        List.of("OBS4J_SERVICE_VERSION", PROBLEM),
        List.of("OBS4J_SHUTDOWN_HOOK", "maybe"),
        List.of("OBS4J_SHUTDOWN_TIMEOUT", "-1"),
        List.of("OTEL_ATTRIBUTE_COUNT_LIMIT", "-1"),
        List.of("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"),
        List.of("OTEL_BSP_EXPORT_TIMEOUT", "0"),
        List.of("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0"),
        List.of("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
        List.of("OTEL_BSP_SCHEDULE_DELAY", "-1"),
        List.of("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "-1"),
        List.of("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://127.0.0.1"),
        List.of("OTEL_EXPORTER_OTLP_PROTOCOL", "bogus"),
        List.of("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://127.0.0.1"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "bogus"),
        List.of("OTEL_EXPORTER_OTLP_HEADERS", "bad name=x"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x=%zz"),
        List.of("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd"),
        List.of("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "/nonexistent/ca.pem"),
        List.of("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/nonexistent/key.pem"),
        List.of("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/nonexistent/cert.pem"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/nonexistent/key.pem"),
        List.of("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "/nonexistent/cert.pem"),
        List.of("OTEL_EXPORTER_PROMETHEUS_PORT", "70000"),
        List.of("OTEL_EXPORTER_PROMETHEUS_HOST", PROBLEM),
        List.of("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "-1"),
        List.of("OTEL_PROPAGATORS", "bogus"),
        List.of("OTEL_RESOURCE_ATTRIBUTES", "=x"),
        List.of("OTEL_SDK_DISABLED", "maybe"),
        List.of("OTEL_SERVICE_NAME", PROBLEM),
        List.of("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "-1"),
        List.of("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"),
        List.of("OTEL_SPAN_EVENT_COUNT_LIMIT", "-1"),
        List.of("OTEL_SPAN_LINK_COUNT_LIMIT", "-1"),
        List.of("OTEL_TRACES_EXPORTER", "bogus"),
        List.of("OTEL_TRACES_SAMPLER", "bogus"),
        List.of("OTEL_TRACES_SAMPLER_ARG", "2", "OTEL_TRACES_SAMPLER", "traceidratio"));
  }

  /**
   * One failed build before the cases, so that what the JVM creates once and keeps for its whole life (the
   * name resolver's socket, OkHttp's shared task runner, whose idle thread lives 60 s whatever we close) is
   * already there when a case counts what was left behind. OkHttp's runner is not ours to stop, so its thread
   * is not counted either.
   */
  @BeforeAll
  static void warmUp() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    assertThatThrownBy(() -> builderWithEverything(port).set("JAEGER_AGENT_HOST", PROBLEM).build())
        .isInstanceOf(ObsConfigException.class);
    GlobalOpenTelemetry.resetForTest();
  }

  @BeforeEach
  @AfterEach
  void noGlobal() {
    GlobalOpenTelemetry.resetForTest();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void aBadValue_failsTheBuildNamingIt_andLeavesNothingBehind(List<String> bad) throws Exception {
    String setting = bad.get(0);
    Set<Thread> threadsBefore = threads();
    long socketsBefore = openSockets();
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Obs.Builder builder = builderWithEverything(port);
    if (bad.stream().noneMatch(s -> s.contains("SAMPLER"))) {
      builder.sampler("jaeger_remote", "endpoint=http://127.0.0.1:1,pollingIntervalMs=100");
    }
    for (int i = 0; i < bad.size(); i += 2) {
      // JAEGER_SERVICE_NAME is read only over an OTEL_SERVICE_NAME from a lower place (here: code)
      if (bad.get(i).equals("JAEGER_SERVICE_NAME")) {
        builder.force(bad.get(i), bad.get(i + 1));
      } else {
        builder.set(bad.get(i), bad.get(i + 1));
      }
    }
    assertThatThrownBy(builder::build).isInstanceOf(ObsConfigException.class).hasMessageContaining(setting);

    assertThat(GlobalOpenTelemetry.isSet()).as("no global registration").isFalse();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((!newThreads(threadsBefore).isEmpty() || openSockets() > socketsBefore) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(newThreads(threadsBefore)).as("threads left behind").isEmpty();
    assertThat(openSockets()).as("sockets left open").isLessThanOrEqualTo(socketsBefore);
    try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(again.getLocalPort()).as("the metrics port is free").isEqualTo(port);
    }
  }

  private static Obs.Builder builderWithEverything(int metricsPort) {
    return TestObs.builder("orders")
        .set("OBS4J_METRICS_JVM", "true")
        .set("OBS4J_CONSOLE", "true")
        .set("OBS4J_CONSOLE_PEERS", "http://127.0.0.1:1")
        .set("OBS4J_REGISTER_GLOBAL", "true")
        .set("OTEL_TRACES_EXPORTER", "jaeger")
        .jaegerAgent("127.0.0.1", 6831)
        .metricsServer("127.0.0.1", metricsPort);
  }

  private static Set<String> newThreads(Set<Thread> before) {
    return threads().stream().filter(t -> !before.contains(t)).map(Thread::getName).collect(Collectors.toSet());
  }

  private static Set<Thread> threads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .filter(t -> t.getName().startsWith("obs4j") || t.getName().startsWith("JaegerRemoteSampler")
            || t.getName().startsWith("HttpClient"))
        .collect(Collectors.toSet());
  }

  /** The sockets this process has open (Linux: /proc/self/fd links to "socket:[inode]"). */
  private static long openSockets() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).toString().startsWith("socket:");
        } catch (IOException | UnsupportedOperationException gone) {
          return false;
        }
      }).count();
    }
  }
}
