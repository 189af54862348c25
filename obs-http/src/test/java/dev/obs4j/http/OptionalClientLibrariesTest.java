/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.client.ObsHttpClient;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Apache HttpClient 5 and OkHttp are optional: an application without them on its class path uses obs-http
 * (here the JDK client's adapter and the server filter) as before. Runs {@link #main} in a JVM whose class
 * path is this one's less those libraries (and OkHttp's Okio and Kotlin).
 */
class OptionalClientLibrariesTest {
  @Test
  void obsHttp_worksWithoutTheOptionalClientLibraries() throws Exception {
    String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.matches(".*(httpclient5|httpcore5|okhttp|okio|kotlin).*"))
        .collect(Collectors.joining(File.pathSeparator));
    Process child = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
            // a log file of its own: the test log4j2 configuration truncates the file it writes, which this
            // JVM's tests are writing and reading
            "-Dobs4j.test.log=" + Path.of("target", "obs4j-test-without-clients.log").toAbsolutePath(),
            OptionalClientLibrariesTest.class.getName())
        .redirectErrorStream(true)
        .start();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(output).contains("absent: okhttp3.OkHttpClient", "absent: org.apache.hc.client5.http.classic.HttpClient",
        "traced: 200 GET");
    assertThat(child.exitValue()).as(output).isZero();
  }

  /** The child: proves the libraries are absent, then traces a call with the JDK client. */
  public static void main(String[] args) throws Exception {
    for (String name : List.of("okhttp3.OkHttpClient", "org.apache.hc.client5.http.classic.HttpClient")) {
      try {
        Class.forName(name);
        System.out.println("present: " + name);
      } catch (ClassNotFoundException expected) {
        System.out.println("absent: " + name);
      }
    }
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    try (Obs obs = Obs.builder().serviceName("plain").shutdownHook(false).set("OTEL_TRACES_EXPORTER", "none")
        .set("OBS4J_METRICS_JVM", "false").build()) {
      ObsHttp http = ObsHttp.create(obs);
      server.createContext("/", exchange -> {
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      }).getFilters().add(dev.obs4j.http.jdk.ObsHttpServerFilter.create(http));
      server.start();
      HttpClient client = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
      int status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"))
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
      long timed = obs.meterRegistry().get("http.client.requests").timer().count();
      System.out.println("traced: " + status + " GET, timed " + timed);
    } finally {
      server.stop(0);
    }
  }
}
