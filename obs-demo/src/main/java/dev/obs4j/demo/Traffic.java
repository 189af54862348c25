/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Steady mixed traffic against the gateway, so the dashboards fill and the alerts have something to say:
 * mostly orders placed and read, some calls through to the orders service, and a fixed share of server
 * errors, client errors and slow requests. Bounded in rate and duration; reports its progress every 10 s.
 *
 * <pre>
 * java -cp obs-demo.jar dev.obs4j.demo.Traffic --target http://127.0.0.1:8080 --traffic-rate 5 --traffic-duration 10m
 * </pre>
 */
public final class Traffic implements Runnable {
  private static final String[] USERS = {"alice", "bob", "carol", "dave"};
  private static final String[] ITEMS = {"book", "lamp", "kettle", "chair", "plant"};
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

  private final URI target;
  private final double rate;
  private final Duration duration;
  private final Consumer<String> progress;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Random random = new Random();
  private final List<Long> ids = new ArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong serverErrors = new AtomicLong();
  private final AtomicLong clientErrors = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean stopped;

  Traffic(URI target, double rate, Duration duration, Consumer<String> progress) {
    this.target = target;
    this.rate = rate;
    this.duration = duration;
    this.progress = progress;
  }

  /** Runs against a gateway that is already up: {@code --target URL}, and the demo's traffic flags. */
  public static void main(String[] args) {
    String target = "http://127.0.0.1:8080";
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--target") && i + 1 < args.length) {
        target = args[++i];
      } else {
        rest.add(args[i]);
      }
    }
    DemoConfig config;
    try {
      config = DemoConfig.parse(rest.toArray(new String[0]), System::getenv);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    new Traffic(URI.create(target), config.trafficRate(), config.trafficDuration(), System.out::println).run();
  }

  void stop() {
    stopped = true;
  }

  @Override
  public void run() {
    long intervalNanos = (long) (1_000_000_000L / rate);
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    long next = start;
    long nextReport = start + Duration.ofSeconds(10).toNanos();
    progress.accept(String.format(Locale.ROOT, "traffic: %.1f requests/s to %s for %s", rate, target, duration));
    while (!stopped && System.nanoTime() < end) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        try {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      next += intervalNanos;
      sendOne();
      if (System.nanoTime() >= nextReport) {
        nextReport += Duration.ofSeconds(10).toNanos();
        report();
      }
    }
    report();
  }

  private void report() {
    progress.accept(String.format(
        Locale.ROOT,
        "traffic: %d sent, %d server errors, %d client errors, %d not answered",
        sent.get(), serverErrors.get(), clientErrors.get(), failures.get()));
  }

  private void sendOne() {
    String user = USERS[random.nextInt(USERS.length)];
    int pick = random.nextInt(100);
    HttpRequest.Builder request;
    if (pick < 45) {
      String body =
          String.format(
              "{\"item\": \"%s\", \"quantity\": %d}", ITEMS[random.nextInt(ITEMS.length)], 1 + random.nextInt(3));
      request = request("/orders").POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
    } else if (pick < 65) {
      request = request("/orders/" + knownId());
    } else {
      String path =
          pick < 75 ? "/call-service-b"
          : pick < 82 ? "/healthy"
          : pick < 88 ? "/serverError"
          : pick < 94 ? "/example?fail=client"
          : pick < 97 ? "/example"
          : "/slow";
      request = request(path);
    }
    request.header("X-User-Id", user);
    sent.incrementAndGet();
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 500) {
        serverErrors.incrementAndGet();
      } else if (response.statusCode() >= 400) {
        clientErrors.incrementAndGet();
      } else if (pick < 45) {
        Matcher id = ID.matcher(response.body());
        if (id.find()) {
          remember(Long.parseLong(id.group(1)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    } catch (Exception e) {
      failures.incrementAndGet();
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(target.resolve(path)).timeout(Duration.ofSeconds(10));
  }

  private synchronized void remember(long id) {
    if (ids.size() >= 100) {
      ids.remove(0);
    }
    ids.add(id);
  }

  private synchronized long knownId() {
    return ids.isEmpty() ? 1 : ids.get(random.nextInt(ids.size()));
  }

  /** What the traffic has seen so far, for tests. */
  Map<String, Long> counts() {
    return Map.of(
        "sent", sent.get(), "serverErrors", serverErrors.get(), "clientErrors", clientErrors.get(),
        "failures", failures.get());
  }
}
