/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Secrets;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.LogManager;

/**
 * Starts the demo: {@code java -jar obs-demo.jar [flags]} (see {@code --help}). On embedded defaults it needs
 * nothing installed: H2 in memory, the in-JVM queue, spans to a Jaeger agent on localhost:6831 (sent and
 * counted whether or not one listens). SIGTERM (Ctrl-C) stops it gracefully.
 */
public final class DemoMain {
  private DemoMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(DemoConfig.USAGE);
      return;
    }
    DemoConfig config;
    try {
      config = DemoConfig.parse(args, System::getenv);
    } catch (IllegalArgumentException e) {
      System.err.println(Secrets.mask(e.getMessage()));
      System.exit(2);
      return;
    }
    DemoLogging.configure(config); // before anything logs: log4j reads what it decided
    Demo demo;
    try {
      demo = Demo.start(config);
    } catch (Exception e) {
      // A driver or a setting quotes what it was given (a JDBC URL with its password): masked, here as in
      // every line obs4j writes
      System.err.println("obs4j demo did not start: " + Secrets.mask(String.valueOf(e)));
      for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
        System.err.println("  caused by " + Secrets.mask(String.valueOf(cause)));
      }
      System.exit(1);
      return;
    }
    String host = config.host().equals("0.0.0.0") ? "127.0.0.1" : config.host();
    String banner = banner(config, demo, host);
    boolean text = "text".equals(System.getProperty(DemoLogging.FORMAT_PROPERTY));
    if (text) {
      System.out.println(banner); // for a person: as it is
    } else {
      LogManager.getLogger(DemoMain.class).info(banner.strip()); // for a log shipper: one JSON line like every other
    }

    String gateway = "http://" + host + ":" + demo.gatewayPort();
    Traffic traffic =
        config.traffic() && demo.gatewayPort() > 0
            ? Traffic.of(
                URI.create(gateway), config, text ? System.out::println : LogManager.getLogger(Traffic.class)::info)
            : null;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (traffic != null) {
                    traffic.stop();
                  }
                  demo.close();
                  LogManager.shutdown(); // log4j's own hook is off: it would stop before the last lines
                  stopped.countDown();
                },
                "obs-demo-shutdown"));
    if (traffic != null) {
      Thread thread = new Thread(traffic, "obs-demo-traffic");
      thread.setDaemon(true);
      thread.start();
    }
    stopped.await();
  }

  /** What is up and what to try: the whole tour for all three parts, the addresses for one. */
  private static String banner(DemoConfig config, Demo demo, String host) {
    String gateway = "http://" + host + ":" + demo.gatewayPort();
    if (config.part() != DemoConfig.Part.ALL) {
      String part = config.part().flagValue();
      int port = switch (config.part()) {
        case GATEWAY -> demo.gatewayPort();
        case ORDERS -> demo.ordersPort();
        default -> demo.workerPort();
      };
      String base = "http://" + host + ":" + port;
      String needs = switch (config.part()) {
        case GATEWAY -> "orders at " + demo.ordersUrl();
        default -> "database " + Secrets.mask(config.jdbcUrl()) + ", queue " + config.queueKind() + " at "
            + (config.kafka() != null ? config.kafka() : config.rabbitmq());
      };
      return String.join(
          "\n",
          "obs4j demo is up: part " + part + " on " + base + " (" + base + "/healthy alive, " + base
              + "/healthy/ready ready, " + base + "/metrics)",
          "  it needs: " + needs + "; /healthy/ready answers 503 until it reaches them");
    }
    return String.join(
        "\n",
        "",
        "obs4j demo is up: gateway " + gateway + ", orders http://" + host + ":" + demo.ordersPort()
            + ", worker http://" + host + ":" + demo.workerPort() + " (each with /healthy, /healthy/ready, /metrics)",
        "  orders travel through: " + config.queueKind() + "; database: " + Secrets.mask(config.jdbcUrl()),
        "Try:",
        "  curl -i " + gateway + "/healthy",
        "  curl -i -X POST -H 'X-User-Id: alice' -d '{\"item\": \"book\", \"quantity\": 1}' " + gateway + "/orders",
        "  curl -i " + gateway + "/orders/1",
        "  curl -i " + gateway + "/call-service-b",
        "  curl -i " + gateway + "/serverError",
        "  curl -i " + gateway + "/slow",
        "  curl -i '" + gateway + "/example?fail=client'",
        "  curl " + gateway + "/metrics",
        "Every answer carries X-Trace-Id: search Jaeger (http://localhost:16686) or the logs for it.",
        "See each part's recent traces, latest errors and RED, with no backend running (the obs4j console):",
        "  " + gateway + "/obs   http://" + host + ":" + demo.ordersPort() + "/obs   http://" + host + ":"
            + demo.workerPort() + "/obs",
        "  (they let in any browser on this machine without credentials, a choice for development: behind a"
            + " reverse proxy every client would look local; OBS4J_CONSOLE=false turns them off)",
        "");
  }
}
