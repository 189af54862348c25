/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Test scaffolding for the quickstarts: a quickstart's {@code main} run as a user runs it, in a JVM of its own on
 * the tests' class path, with Logback or log4j2 as SLF4J's backend and the quickstart's own logging
 * configuration; stopped with SIGTERM, so that obs4j's shutdown hook flushes the spans as it does for a user
 * pressing Ctrl-C.
 */
final class AppJvm implements AutoCloseable {
  /** The SLF4J backend, configured by the quickstart's file. */
  enum Logging {
    LOGBACK,
    LOG4J2
  }

  private final Process process;
  private final Path output;

  private AppJvm(Process process, Path output) {
    this.process = process;
    this.output = output;
  }

  /**
   * Starts {@code main} with the argument {@code port} and {@code jvmArgs} (system properties that point the
   * app's exporter and metrics server at the test's free ports), and waits until it accepts connections on
   * {@code port}.
   */
  static AppJvm start(Class<?> main, int port, Logging logging, Map<String, String> env, List<String> jvmArgs)
      throws Exception {
    List<String> classpath =
        new ArrayList<>(Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator)));
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path quickstart = Path.of("src", "docs", "asciidoc", "quickstart").toAbsolutePath();
    if (logging == Logging.LOGBACK) {
      String logback = System.getProperty("logback.classpath");
      assertThat(logback).as("the Logback jars, from the pom").isNotBlank().doesNotContain("${");
      classpath.removeIf(entry -> entry.contains("log4j-slf4j2-impl"));
      classpath.addAll(Arrays.asList(logback.split(File.pathSeparator)));
      command.add("-Dlogback.configurationFile=" + quickstart.resolve("logback.xml"));
    } else {
      command.add("-Dlog4j2.configurationFile=" + quickstart.resolve("log4j2.xml"));
    }
    command.add("-cp");
    command.add(classpath.stream().collect(Collectors.joining(File.pathSeparator)));
    command.addAll(jvmArgs);
    command.add(main.getName());
    command.add(Integer.toString(port));
    Path output = Files.createTempFile("quickstart", ".out");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("OTEL_") || k.startsWith("OBS4J_") || k.startsWith("JAEGER_"));
    builder.environment().putAll(env);
    AppJvm app = new AppJvm(builder.start(), output);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return app;
      } catch (IOException notYet) {
        if (!app.process.isAlive() || System.nanoTime() > deadline) {
          String out = app.output();
          app.close();
          throw new AssertionError("the quickstart did not start on port " + port + ":\n" + out);
        }
        Thread.sleep(50);
      }
    }
  }

  /** What it printed so far, standard output and error together. */
  String output() throws IOException {
    return Files.readString(output, StandardCharsets.UTF_8);
  }

  /** SIGTERM, as Ctrl-C would; returns whether it exited within 20 s. */
  boolean stop() throws InterruptedException {
    return ChildProcess.stop(process, 20);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    stop();
    Files.deleteIfExists(output);
  }
}
