/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.trace.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.slf4j.LoggerFactory;

/** A service on Logback with the console on: logs an ERROR in a span and prints its own console page. */
public final class LogbackConsoleMain {
  private LogbackConsoleMain() {}

  public static void main(String[] args) throws Exception {
    try (Obs obs = TestObs.builder("billing").set("OBS4J_CONSOLE", "true").metricsServer("127.0.0.1", 0).build()) {
      String traceId = obs.inSpan("charge", () -> {
        LoggerFactory.getLogger("billing").error("card <declined> for order {}", 17);
        return Span.current().getSpanContext().getTraceId();
      });
      String page = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + obs.metricsServerAddress().getPort() + "/obs")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      System.out.println("backend: " + LoggerFactory.getILoggerFactory().getClass().getName());
      System.out.println("trace: " + traceId);
      System.out.println(page);
    }
  }
}
