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
 * errors, client errors and slow requests, from ten users of whom a few are busy and most are not. Bounded in
 * rate, duration and, if asked, number of requests; reports its progress every 10 s.
 *
 * <p>The mix is a {@link Plan}: a sequence of steps (who sends which request) drawn from a seed. The same
 * seed gives the same steps in the same order, so a run can be repeated exactly ({@code --traffic-seed});
 * without one, a random seed is drawn and printed.
 *
 * <pre>
 * java -cp obs-demo.jar dev.obs4j.demo.Traffic --target http://127.0.0.1:8080 --traffic-rate 5 --traffic-duration 10m
 * </pre>
 */
public final class Traffic implements Runnable {
  /** The users, busiest first, and how often each sends a request (weights out of 100). */
  static final List<String> USERS =
      List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy");

  private static final int[] USER_WEIGHTS = {30, 20, 12, 10, 8, 6, 5, 4, 3, 2};
  private static final String[] ITEMS = {"book", "lamp", "kettle", "chair", "plant"};
  private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

  /**
   * What a step asks the gateway for: the method, the path sent, the route template the services record it
   * under, whether the gateway answers it with a server error (5xx) every time, and how often it is picked
   * (weights out of 100).
   */
  enum Feature {
    PLACE_ORDER("POST", "/orders", "/orders", false, 40),
    READ_ORDER("GET", "/orders/{id}", "/orders/{id}", false, 20),
    CALL_SERVICE_B("GET", "/call-service-b", "/call-service-b", false, 13),
    EXAMPLE("GET", "/example", "/example", false, 8),
    EXAMPLE_CLIENT_ERROR("GET", "/example?fail=client", "/example", false, 6),
    EXAMPLE_SERVER_ERROR("GET", "/example?fail=server", "/example", true, 3),
    SERVER_ERROR("GET", "/serverError", "/serverError", true, 7),
    SLOW("GET", "/slow", "/slow", false, 3);

    final String method;
    final String path;
    final String route;
    final boolean serverError;
    final int weight;

    Feature(String method, String path, String route, boolean serverError, int weight) {
      this.method = method;
      this.path = path;
      this.route = route;
      this.serverError = serverError;
      this.weight = weight;
    }

    /** The route template this request is counted under ({@code uri} of the metrics, {@code http.route} of the logs). */
    String route() {
      return route;
    }

    /** Whether the gateway answers it with a 5xx every time. */
    boolean serverError() {
      return serverError;
    }
  }

  /**
   * One request of the mix: who sends it, which feature, and the details that vary (the item and quantity of
   * an order, which of the recently placed orders a read asks for).
   */
  record Step(String user, Feature feature, String item, int quantity, int pick) {}

  /**
   * The mix as a sequence of steps drawn from one seed: {@code plan(42).next()} gives the same steps in the
   * same order every time, whatever the servers answer.
   */
  static final class Plan {
    private final long seed;
    private final Random random;

    private Plan(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
    }

    long seed() {
      return seed;
    }

    Step next() {
      String user = USERS.get(pick(USER_WEIGHTS));
      Feature feature = Feature.values()[pick(FEATURE_WEIGHTS)];
      return new Step(user, feature, ITEMS[random.nextInt(ITEMS.length)], 1 + random.nextInt(3), random.nextInt(100));
    }

    /** The first {@code count} steps of a fresh plan with this seed. */
    List<Step> first(int count) {
      Plan fresh = new Plan(seed);
      List<Step> steps = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        steps.add(fresh.next());
      }
      return steps;
    }

    private int pick(int[] weights) {
      int total = 0;
      for (int w : weights) {
        total += w;
      }
      int r = random.nextInt(total);
      for (int i = 0; i < weights.length; i++) {
        r -= weights[i];
        if (r < 0) {
          return i;
        }
      }
      throw new AssertionError();
    }
  }

  private static final int[] FEATURE_WEIGHTS;

  static {
    Feature[] features = Feature.values();
    FEATURE_WEIGHTS = new int[features.length];
    for (int i = 0; i < features.length; i++) {
      FEATURE_WEIGHTS[i] = features[i].weight;
    }
  }

  /** The plan of a seed. */
  static Plan plan(long seed) {
    return new Plan(seed);
  }

  private final URI target;
  private final double rate;
  private final Duration duration;
  private final long maxRequests;
  private final Plan plan;
  private final Consumer<String> progress;
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Long> ids = new ArrayList<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong serverErrors = new AtomicLong();
  private final AtomicLong clientErrors = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean stopped;

  /**
   * Traffic to {@code target} at {@code rate} per second for {@code duration}, stopping after
   * {@code maxRequests} requests if that is above 0, with the plan of {@code seed}.
   */
  Traffic(URI target, double rate, Duration duration, long maxRequests, long seed, Consumer<String> progress) {
    this.target = target;
    this.rate = rate;
    this.duration = duration;
    this.maxRequests = maxRequests;
    this.plan = plan(seed);
    this.progress = progress;
  }

  /** As the demo's settings say: rate, duration, number of requests and seed (a random one if none is set). */
  static Traffic of(URI target, DemoConfig config, Consumer<String> progress) {
    Long seed = config.trafficSeed();
    return new Traffic(
        target, config.trafficRate(), config.trafficDuration(), config.trafficRequests(),
        seed != null ? seed : new Random().nextLong() & Long.MAX_VALUE, progress);
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
    of(URI.create(target), config, System.out::println).run();
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
    progress.accept(String.format(
        Locale.ROOT, "traffic: %.1f requests/s to %s for %s%s, seed %d (--traffic-seed %d repeats this mix)",
        rate, target, duration, maxRequests > 0 ? " or " + maxRequests + " requests" : "", plan.seed(), plan.seed()));
    while (!stopped && System.nanoTime() < end && (maxRequests <= 0 || sent.get() < maxRequests)) {
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
      sendOne(plan.next());
      if (System.nanoTime() >= nextReport) {
        nextReport += Duration.ofSeconds(10).toNanos();
        report();
      }
    }
    report();
    if (maxRequests > 0 && sent.get() >= maxRequests) {
      progress.accept("traffic: done, " + sent.get() + " requests sent");
    }
  }

  private void report() {
    progress.accept(String.format(
        Locale.ROOT,
        "traffic: %d sent, %d server errors, %d client errors, %d not answered",
        sent.get(), serverErrors.get(), clientErrors.get(), failures.get()));
  }

  private void sendOne(Step step) {
    Feature feature = step.feature();
    HttpRequest.Builder request;
    switch (feature) {
      case PLACE_ORDER -> {
        String body = String.format(Locale.ROOT, "{\"item\": \"%s\", \"quantity\": %d}", step.item(), step.quantity());
        request = request("/orders").POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
      }
      case READ_ORDER -> request = request("/orders/" + knownId(step.pick()));
      default -> request = request(feature.path);
    }
    request.header("X-User-Id", step.user());
    sent.incrementAndGet();
    try {
      HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 500) {
        serverErrors.incrementAndGet();
      } else if (response.statusCode() >= 400) {
        clientErrors.incrementAndGet();
      } else if (feature == Feature.PLACE_ORDER) {
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

  private synchronized long knownId(int pick) {
    return ids.isEmpty() ? 1 : ids.get(pick % ids.size());
  }

  /** What the traffic has seen so far, for tests. */
  Map<String, Long> counts() {
    return Map.of(
        "sent", sent.get(), "serverErrors", serverErrors.get(), "clientErrors", clientErrors.get(),
        "failures", failures.get());
  }
}
