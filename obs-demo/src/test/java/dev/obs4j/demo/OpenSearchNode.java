/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.obs4j.testing.ChildProcess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenSearch 2.19 node (the Elasticsearch REST API that Logstash and Kibana speak), run as a child JVM
 * from the class path that test-fixtures/opensearch resolved, on 127.0.0.1 and free ports; stopped by the
 * process it started.
 */
final class OpenSearchNode implements AutoCloseable {
  private final Process process;
  private final Path dir;
  private final int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  OpenSearchNode() throws IOException, InterruptedException {
    String classpathFile = System.getProperty("opensearch.classpath.file");
    if (classpathFile == null || !Files.exists(Path.of(classpathFile))) {
      throw new AssertionError("no OpenSearch class path at " + classpathFile + " (build test-fixtures/opensearch)");
    }
    dir = Files.createTempDirectory("obs-demo-opensearch");
    Path launcher = dir.resolve("OpenSearchLauncher.java");
    try (InputStream source = OpenSearchNode.class.getResourceAsStream("/opensearch/OpenSearchLauncher.java")) {
      Files.copy(source, launcher);
    }
    port = DemoProcess.freePort();
    int transport = DemoProcess.freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                java, "-Xms512m", "-Xmx512m", "-cp", Files.readString(Path.of(classpathFile)).trim(),
                launcher.toString(), dir.resolve("node").toString(), Integer.toString(port), Integer.toString(transport))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("opensearch.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!Files.readString(dir.resolve("opensearch.log")).contains("READY")) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String log = Files.readString(dir.resolve("opensearch.log"));
        close();
        throw new IllegalStateException("OpenSearch did not start:\n" + log);
      }
      Thread.sleep(200);
    }
  }

  HttpResponse<String> send(String method, String path, String contentType, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends and fails the test on an error status; returns the answer parsed. */
  JsonNode call(String method, String path, String contentType, String body) throws IOException, InterruptedException {
    HttpResponse<String> response = send(method, path, contentType, body);
    if (response.statusCode() >= 300) {
      throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
    }
    return DemoProcess.JSON.readTree(response.body());
  }

  @Override
  public void close() throws IOException, InterruptedException {
    ChildProcess.stopAndDelete(process, 30, dir);
  }
}
