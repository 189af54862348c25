/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real Prometheus (Debian's {@code prometheus} package) started on a free loopback port with exemplar
 * storage on, scraping one target every second; stopped by the process it started. A missing binary is a
 * failure, never a skip: {@code .ci/run} installs it.
 */
public final class PrometheusServer implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Prometheus scraping {@code target} every second, with a configuration of its own. */
  public PrometheusServer(String target) throws IOException, InterruptedException {
    this(Files.createTempDirectory("prometheus-it"), target);
  }

  private PrometheusServer(Path dir, String target) throws IOException, InterruptedException {
    this(
        dir,
        Files.writeString(
            dir.resolve("prometheus.yml"),
            String.join(
                "\n",
                "global:",
                "  scrape_interval: 1s",
                "  scrape_timeout: 1s",
                "scrape_configs:",
                "  - job_name: obs4j",
                "    static_configs:",
                "      - targets: ['" + target + "']",
                "")),
        List.of());
  }

  /**
   * Prometheus with the configuration file {@code config} (rule files and targets as it names them), with
   * exemplar storage on, plus {@code flags}.
   */
  public static PrometheusServer withConfig(Path config, List<String> flags) throws IOException, InterruptedException {
    return new PrometheusServer(Files.createTempDirectory("prometheus-it"), config, flags);
  }

  private PrometheusServer(Path dir, Path config, List<String> flags) throws IOException, InterruptedException {
    String binary = find("prometheus");
    this.dir = dir;
    port = freePort();
    List<String> command = new ArrayList<>(List.of(
        binary,
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port,
        "--enable-feature=exemplar-storage",
        "--log.level=warn"));
    command.addAll(flags);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      try {
        if (get("/-/ready").statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(50);
    }
    close();
    throw new IllegalStateException("prometheus did not become ready on port " + port);
  }

  /** Its port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** What it logged (warnings and errors). */
  public String log() throws IOException {
    return Files.readString(dir.resolve("prometheus.log"));
  }

  public static String find(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.canExecute()) {
        return candidate.getPath();
      }
    }
    throw new AssertionError(
        name + " is not installed; the test suite needs Debian's prometheus package (bash .ci/run installs it)");
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Polls {@code pathAndQuery} until the body satisfies {@code done}, for at most {@code seconds}. */
  public String await(String pathAndQuery, Predicate<String> done, int seconds)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = get(pathAndQuery).body();
      if (done.test(body)) {
        return body;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "timed out waiting on "
            + pathAndQuery
            + "; last answer: "
            + body
            + "; targets: "
            + get("/api/v1/targets").body());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    ChildProcess.stopAndDelete(process, 10, dir);
  }
}
