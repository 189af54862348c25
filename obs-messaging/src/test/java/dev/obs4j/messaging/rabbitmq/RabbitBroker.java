/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import java.io.File;
import dev.obs4j.messaging.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real RabbitMQ from Debian's {@code rabbitmq-server} package: a node of its own (name, data, logs, epmd
 * port) in a temporary directory, listening on 127.0.0.1 on a free port; stopped with {@code rabbitmqctl
 * stop} and its epmd killed. A missing installation is a failure: {@code .ci/run} installs it.
 */
public final class RabbitBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final String node;
  private final Map<String, String> env;
  private Process server;

  public RabbitBroker() throws IOException, InterruptedException {
    if (!new File("/usr/sbin/rabbitmq-server").canExecute()) {
      throw new AssertionError("RabbitMQ is not installed (Debian package rabbitmq-server; bash .ci/run installs it)");
    }
    dir = Files.createTempDirectory("obs4j-rabbit");
    port = Ports.free();
    node = "obs4j" + UUID.randomUUID().toString().substring(0, 8) + "@localhost";
    Files.writeString(dir.resolve("rabbitmq.conf"),
        "listeners.tcp.1 = 127.0.0.1:" + port + "\nloopback_users = none\n");
    Files.writeString(dir.resolve("enabled_plugins"), "[].\n");
    run(List.of("chown", "-R", "rabbitmq:rabbitmq", dir.toString()));
    env = Map.of(
        "RABBITMQ_CONFIG_FILE", dir.resolve("rabbitmq.conf").toString(),
        "RABBITMQ_ENABLED_PLUGINS_FILE", dir.resolve("enabled_plugins").toString(),
        "RABBITMQ_MNESIA_BASE", dir.resolve("mnesia").toString(),
        "RABBITMQ_LOG_BASE", dir.resolve("log").toString(),
        "RABBITMQ_NODENAME", node,
        "RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1",
        "RABBITMQ_NODE_PORT", Integer.toString(port),
        "RABBITMQ_DIST_PORT", Integer.toString(Ports.free()),
        "ERL_EPMD_ADDRESS", "127.0.0.1",
        "ERL_EPMD_PORT", Integer.toString(Ports.free()));
    start();
  }

  /** Starts the node (again) on the same port and data, and waits until it has started. */
  public void start() throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("/usr/sbin/rabbitmq-server")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/rabbitmq-" + port + ".log")));
    builder.environment().putAll(env);
    server = builder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!Ports.accepts(port)) {
      if (!server.isAlive() || System.nanoTime() > deadline) {
        close();
        throw new IllegalStateException("rabbitmq did not start; see target/rabbitmq-" + port + ".log");
      }
      Thread.sleep(100);
    }
    ctl("await_startup");
  }

  private void ctl(String command) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("/usr/sbin/rabbitmqctl", "-n", node, command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process p = builder.start();
    p.getInputStream().readAllBytes();
    p.waitFor(60, TimeUnit.SECONDS);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(command + " failed: " + out);
    }
  }

  public int port() {
    return port;
  }

  /** Stops the node (clients see their connections closed); {@link #start} brings it back. */
  public void stop() throws IOException, InterruptedException {
    if (server != null && server.isAlive()) {
      ctl("stop");
      if (!server.waitFor(30, TimeUnit.SECONDS)) {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    ProcessBuilder epmd = new ProcessBuilder("epmd", "-kill").redirectErrorStream(true);
    epmd.environment().putAll(env);
    Process p = epmd.start();
    p.getInputStream().readAllBytes();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      stop();
    } finally {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
