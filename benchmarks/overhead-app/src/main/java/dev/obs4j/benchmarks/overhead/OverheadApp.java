/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks.overhead;

import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import java.lang.management.ManagementFactory;

/**
 * The service the overhead harness measures: Javalin 7 with {@code GET /hello} and {@code GET /orders/{id}}
 * (a small JSON written by hand, so no JSON library's cost differs between runs). {@code --mode bare} is
 * the plain app (also the one the OpenTelemetry agent is attached to); {@code --mode obs4j} adds obs4j's
 * Javalin plugin with traces, RED metrics and log correlation, configured by the standard {@code OTEL_*}
 * settings. {@code GET /_stats} answers the bytes every live thread has allocated, for allocation per
 * request.
 */
public final class OverheadApp {
  private OverheadApp() {}

  public static void main(String[] args) {
    String mode = "bare";
    int port = 8090;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--mode" -> mode = args[i + 1];
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (--mode bare|obs4j, --port N)");
      }
    }
    Obs obs = mode.equals("obs4j") ? Obs.builder().serviceName("overhead-app").build() : null;
    if (!mode.equals("bare") && obs == null) {
      throw new IllegalArgumentException("--mode is bare or obs4j, not " + mode);
    }
    Javalin.create(cfg -> {
          cfg.startup.showJavalinBanner = false;
          cfg.startup.showOldJavalinVersionWarning = false;
          if (obs != null) {
            cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
            cfg.routes.get("/metrics", ObsJavalin.metricsHandler(obs));
          }
          cfg.routes.get("/hello", ctx -> ctx.result("hello"));
          cfg.routes.get("/orders/{id}", ctx -> ctx.contentType("application/json").result(
              "{\"id\":\"" + ctx.pathParam("id") + "\",\"item\":\"book\",\"quantity\":1,\"status\":\"SHIPPED\"}"));
          cfg.routes.get("/_stats", ctx -> ctx.result(Long.toString(allocatedBytes())));
        })
        .start("127.0.0.1", port);
  }

  /** Bytes allocated so far by every live thread (the server's pool threads live for the whole run). */
  static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long allocated : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      if (allocated > 0) {
        total += allocated;
      }
    }
    return total;
  }
}
