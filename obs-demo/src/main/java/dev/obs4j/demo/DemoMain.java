/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import io.micrometer.core.instrument.Timer;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's entry point. Until the demo issue brings the two Javalin services and the worker, it runs one
 * traced job a second on embedded defaults: spans to a Jaeger agent on localhost:6831 (or whatever
 * {@code OTEL_TRACES_EXPORTER} says), Prometheus metrics on {@code http://127.0.0.1:9464/metrics}, and ECS
 * JSON log lines carrying the trace id. {@code --ticks N} stops after N jobs.
 */
public final class DemoMain {
  private static final Logger log = LoggerFactory.getLogger(DemoMain.class);

  private DemoMain() {}

  public static void main(String[] args) throws InterruptedException {
    long ticks = args.length == 2 && args[0].equals("--ticks") ? Long.parseLong(args[1]) : Long.MAX_VALUE;
    int port = Integer.parseInt(System.getProperty("otel.exporter.prometheus.port", "9464"));
    try (Obs obs =
        Obs.builder()
            .serviceName(System.getProperty("otel.service.name", "obs4j-demo"))
            .metricsServer("127.0.0.1", port)
            .build()) {
      InetSocketAddress metrics = obs.metricsServerAddress();
      log.info("obs4j demo up: metrics on http://127.0.0.1:{}/metrics", metrics == null ? port : metrics.getPort());
      Timer jobs = Timer.builder("demo.jobs").publishPercentileHistogram().register(obs.meterRegistry());
      for (long i = 0; i < ticks; i++) {
        long n = i;
        obs.runInSpan(
            "demo job",
            () ->
                jobs.record(
                    () -> {
                      int work = ThreadLocalRandom.current().nextInt(5, 50);
                      log.info("job {} works for {} ms", n, work);
                      try {
                        Thread.sleep(work);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                    }));
        Thread.sleep(1000);
      }
    }
  }
}
