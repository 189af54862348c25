/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.kafka;

import dev.obs4j.messaging.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka 4.3.1 broker in KRaft mode (broker and controller in one), run as a child JVM from the class
 * path that the test-fixtures/kafka-broker module resolved, on 127.0.0.1 and free ports; stopped by the
 * process it started.
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final ProcessBuilder broker;
  private Process process;

  public KafkaBroker() throws IOException, InterruptedException {
    String classpathFile = System.getProperty("kafka.classpath.file");
    if (classpathFile == null || !Files.exists(Path.of(classpathFile))) {
      throw new AssertionError("no Kafka broker class path at " + classpathFile + " (build test-fixtures/kafka-broker)");
    }
    String classpath = Files.readString(Path.of(classpathFile)).trim();
    dir = Files.createTempDirectory("obs4j-kafka");
    port = Ports.free();
    int controller = Ports.free();
    Path config = dir.resolve("server.properties");
    Files.writeString(config, String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controller,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=PLAINTEXT",
        "log.dirs=" + dir.resolve("logs"),
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=true",
        ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process format = new ProcessBuilder(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
            "-t", Uuid.randomUuid().toString(), "-c", config.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
    if (!format.waitFor(120, TimeUnit.SECONDS) || format.exitValue() != 0) {
      throw new IllegalStateException("kafka storage format failed: " + Files.readString(dir.resolve("format.log")));
    }
    broker = new ProcessBuilder(java, "-Xmx512m", "-cp", classpath, "kafka.Kafka", config.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()));
    start();
  }

  /** Starts the broker (again) on the same ports and logs, and waits until it accepts connections. */
  public void start() throws IOException, InterruptedException {
    process = broker.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Ports.accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(dir.resolve("broker.log"));
        close();
        throw new IllegalStateException("kafka broker did not start: " + log.substring(Math.max(0, log.length() - 4000)));
      }
      Thread.sleep(100);
    }
  }

  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** Stops the broker process (as a crash would look to clients, after a clean shutdown attempt). */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Override
  public void close() throws InterruptedException, IOException {
    stop();
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

}
