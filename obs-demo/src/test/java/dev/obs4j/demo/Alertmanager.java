/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.testing.ChildProcess;
import dev.obs4j.testing.PrometheusServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real Alertmanager (Debian's {@code prometheus-alertmanager}) on a free loopback port, with no gossip port,
 * stopped by the process it started. A missing binary fails the test: {@code .ci/run} installs it.
 */
final class Alertmanager implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;

  Alertmanager(Path config) throws IOException, InterruptedException {
    String binary = PrometheusServer.find("prometheus-alertmanager");
    dir = Files.createTempDirectory("alertmanager-it");
    port = DemoProcess.freePort();
    process =
        new ProcessBuilder(
                binary,
                "--config.file=" + config,
                "--storage.path=" + dir,
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("alertmanager.log").toFile())
            .start();
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("alertmanager exited: " + log());
      }
      try {
        HttpResponse<String> ready =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(50);
    }
    close();
    throw new IllegalStateException("alertmanager did not become ready: " + log());
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("alertmanager.log"));
  }

  @Override
  public void close() throws IOException, InterruptedException {
    ChildProcess.stopAndDelete(process, 10, dir);
  }
}
