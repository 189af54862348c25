/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The demo's settings, from command-line flags, then environment variables ({@code --gateway-port} or
 * {@code DEMO_GATEWAY_PORT}), then the embedded defaults: H2 in memory, the in-JVM queue, and whatever the
 * standard {@code OTEL_*}/{@code JAEGER_*} settings say about traces (by default the Jaeger agent on
 * localhost:6831). A bad value stops the demo with a message naming the flag.
 *
 * <p>{@code --part} runs one part per process (a Deployment each in a cluster); the parts then find each other
 * by {@code --orders-url}, and orders and worker share the database and a broker.
 */
record DemoConfig(
    Part part,
    String host,
    int gatewayPort,
    int ordersPort,
    int workerPort,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    @Nullable String kafka,
    @Nullable String rabbitmq,
    String rabbitmqUser,
    String rabbitmqPassword,
    @Nullable String ordersUrl,
    String ordersClient,
    @Nullable String logFormat,
    @Nullable String otlpEndpoint,
    boolean traffic,
    double trafficRate,
    Duration trafficDuration,
    long trafficRequests,
    @Nullable Long trafficSeed,
    Duration slowQuery) {

  static final String USAGE =
      String.join(
          "\n",
          "obs4j demo: gateway -> orders -> database -> queue -> worker, traced, measured and logged.",
          "",
          "  --part P                 gateway, orders, worker or all (default all: the three parts in this JVM);",
          "                           orders and worker on their own need --jdbc-url and --rabbitmq or --kafka",
          "  --host ADDR              bind address of the parts (default 127.0.0.1; 0.0.0.0 in a container)",
          "  --gateway-port N         gateway HTTP port (default 8080)",
          "  --orders-port N          orders HTTP port (default 8081)",
          "  --worker-port N          worker HTTP port: /healthy, /metrics (default 8082)",
          "  --orders-url URL         where the gateway finds orders (default http://127.0.0.1:<orders port>),",
          "                           e.g. http://orders:8081",
          "  --orders-client C        how the gateway calls orders: jdk (java.net.http, default) or apache",
          "                           (Apache HttpClient 5); both traced by obs4j, the same spans and metrics",
          "  --jdbc-url URL           database (default H2 in memory), e.g. jdbc:postgresql://127.0.0.1:5432/demo",
          "  --jdbc-user U, --jdbc-password P",
          "  --kafka HOST:PORT        orders travel through Kafka topic 'orders' (default: the in-JVM queue)",
          "  --rabbitmq HOST:PORT     orders travel through RabbitMQ queue 'orders'",
          "  --rabbitmq-user U, --rabbitmq-password P   (default guest/guest, which RabbitMQ lets in from",
          "                           localhost only)",
          "  --log-format F           standard output as json (ECS, for a log shipper) or text (one line per",
          "                           event with the trace id); default: text on a terminal, json otherwise.",
          "                           The log file (OBS4J_DEMO_LOG_DIR, empty for none) is always JSON",
          "  --otlp URL               export spans over OTLP http/protobuf (e.g. http://localhost:4318)",
          "                           instead of the Jaeger agent (JAEGER_AGENT_HOST/PORT, default localhost:6831)",
          "  --traffic                also send steady mixed traffic (with errors) to the gateway",
          "  --traffic-rate N         requests per second (default 5, at most 200)",
          "  --traffic-duration D     how long, e.g. 90s, 10m, 2h (default 1h, at most 24h)",
          "  --traffic-requests N     stop after N requests (default 0: when the duration is over)",
          "  --traffic-seed N         the seed of the mix of users and features: the same seed sends the same",
          "                           requests in the same order (default: a random seed, printed at the start)",
          "  --slow-query D           how long GET /slow's query sleeps (default 600ms; slow from 300ms)",
          "",
          "Every flag can be given as an environment variable: --gateway-port is DEMO_GATEWAY_PORT.",
          "Each part answers GET /healthy (alive) and /healthy/ready (what it needs is reachable).",
          "Traces, sampling and propagation follow the standard OTEL_* settings.");

  /** Which part (or all three) this process runs. */
  enum Part {
    GATEWAY,
    ORDERS,
    WORKER,
    ALL;

    /** Whether this process runs {@code part}. */
    boolean runs(Part part) {
      return this == ALL || this == part;
    }

    /** The flag's spelling: {@code gateway}, ... */
    String flagValue() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final List<String> FLAGS =
      List.of(
          "part", "host", "gateway-port", "orders-port", "worker-port", "orders-url", "orders-client", "jdbc-url",
          "jdbc-user", "jdbc-password", "kafka", "rabbitmq", "rabbitmq-user", "rabbitmq-password", "log-format", "otlp",
          "traffic", "traffic-rate", "traffic-duration", "traffic-requests", "traffic-seed",
          "slow-query");

  /** How a person names a setting: its flag and its environment variable, {@code --jdbc-url / DEMO_JDBC_URL}. */
  static String setting(String flag) {
    return "--" + flag + " / " + envName(flag);
  }

  static String envName(String flag) {
    return "DEMO_" + flag.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  static DemoConfig parse(String[] args, Function<String, @Nullable String> env) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || !FLAGS.contains(arg.substring(2))) {
        throw new IllegalArgumentException("Unknown argument '" + arg + "'.\n\n" + USAGE);
      }
      String name = arg.substring(2);
      if (name.equals("traffic")) {
        flags.put(name, "true");
      } else if (i + 1 < args.length) {
        flags.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException(arg + " needs a value.\n\n" + USAGE);
      }
    }
    Function<String, @Nullable String> value =
        name -> {
          String flag = flags.get(name);
          return flag != null ? flag : env.apply(envName(name));
        };
    List<String> problems = new ArrayList<>();
    DemoConfig config =
        new DemoConfig(
            part(value, problems),
            orDefault(value.apply("host"), "127.0.0.1"),
            port(value, "gateway-port", 8080, problems),
            port(value, "orders-port", 8081, problems),
            port(value, "worker-port", 8082, problems),
            orDefault(value.apply("jdbc-url"), "jdbc:h2:mem:obs-demo;MODE=PostgreSQL;DB_CLOSE_DELAY=-1"),
            orDefault(value.apply("jdbc-user"), "sa"),
            orDefault(value.apply("jdbc-password"), ""),
            hostPort(value, "kafka", problems),
            hostPort(value, "rabbitmq", problems),
            orDefault(value.apply("rabbitmq-user"), "guest"),
            orDefault(value.apply("rabbitmq-password"), "guest"),
            ordersUrl(value, problems),
            ordersClient(value, problems),
            logFormat(value, problems),
            value.apply("otlp"),
            Boolean.parseBoolean(value.apply("traffic")),
            rate(value, problems),
            duration(value, "traffic-duration", Duration.ofHours(1), Duration.ofHours(24), problems),
            requests(value, problems),
            seed(value, problems),
            duration(value, "slow-query", Duration.ofMillis(600), Duration.ofMinutes(1), problems));
    if (config.kafka() != null && config.rabbitmq() != null) {
      problems.add("--kafka and --rabbitmq: choose one broker");
    }
    Part part = config.part();
    if (part == Part.ORDERS || part == Part.WORKER) {
      String alone = "--part " + part.flagValue() + " runs in a process of its own, and ";
      if (config.kafka() == null && config.rabbitmq() == null) {
        problems.add(alone + "the in-JVM queue cannot cross processes: give orders and worker the same broker, "
            + setting("rabbitmq") + " HOST:PORT or " + setting("kafka") + " HOST:PORT");
      }
      if (config.jdbcUrl().startsWith("jdbc:h2:mem:")) {
        problems.add(alone + "the in-memory H2 database lives in one process: give orders and worker the same "
            + "PostgreSQL, " + setting("jdbc-url") + " (with " + setting("jdbc-user") + ", "
            + setting("jdbc-password") + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems) + "\n\n" + USAGE);
    }
    return config;
  }

  /** {@code --part}: all unless one of the three is named. */
  private static Part part(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("part");
    if (raw == null || raw.isBlank()) {
      return Part.ALL;
    }
    for (Part part : Part.values()) {
      if (part.flagValue().equals(raw.trim().toLowerCase(Locale.ROOT))) {
        return part;
      }
    }
    problems.add("--part must be gateway, orders, worker or all, not '" + raw + "'");
    return Part.ALL;
  }

  private static @Nullable String ordersUrl(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("orders-url");
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String url = raw.trim();
    try {
      URI uri = new URI(url);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null
          && uri.getRawQuery() == null
          && uri.getRawFragment() == null
          && (uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    problems.add("--orders-url must be the orders service's http:// or https:// address with no path, such as "
        + "http://orders:8081, not '" + raw + "'");
    return null;
  }

  /** {@code --orders-client}: jdk unless apache is named. */
  private static String ordersClient(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("orders-client");
    if (raw == null || raw.isBlank()) {
      return "jdk";
    }
    String client = raw.trim().toLowerCase(Locale.ROOT);
    if (client.equals("jdk") || client.equals("apache")) {
      return client;
    }
    problems.add("--orders-client must be jdk or apache, not '" + raw + "'");
    return "jdk";
  }

  private static @Nullable String logFormat(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("log-format");
    if (raw == null || raw.isBlank()) {
      return null;
    }
    String format = raw.trim().toLowerCase(Locale.ROOT);
    if (format.equals("json") || format.equals("text")) {
      return format;
    }
    problems.add("--log-format must be json or text, not '" + raw + "'");
    return null;
  }

  /** Which queue carries the orders from the orders service to the worker. */
  String queueKind() {
    return kafka != null ? "kafka" : rabbitmq != null ? "rabbitmq" : "jvm_queue";
  }

  private static String orDefault(@Nullable String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static int port(Function<String, @Nullable String> value, String name, int fallback, List<String> problems) {
    String raw = value.apply(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      int port = Integer.parseInt(raw.trim());
      if (port >= 0 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add("--" + name + " must be a port number from 0 to 65535, not '" + raw + "'");
    return fallback;
  }

  private static @Nullable String hostPort(Function<String, @Nullable String> value, String name, List<String> problems) {
    String raw = value.apply(name);
    if (raw == null || raw.isBlank()) {
      return null;
    }
    if (!raw.trim().matches("[A-Za-z0-9.\\-\\[\\]:]+:\\d{1,5}")) {
      problems.add("--" + name + " must be HOST:PORT, such as 127.0.0.1:9092, not '" + raw + "'");
      return null;
    }
    return raw.trim();
  }

  private static double rate(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("traffic-rate");
    if (raw == null || raw.isBlank()) {
      return 5;
    }
    try {
      double rate = Double.parseDouble(raw.trim());
      if (rate > 0 && rate <= 200) {
        return rate;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add("--traffic-rate must be a number of requests per second above 0 and at most 200, not '" + raw + "'");
    return 5;
  }

  private static long requests(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("traffic-requests");
    if (raw == null || raw.isBlank()) {
      return 0;
    }
    try {
      long requests = Long.parseLong(raw.trim());
      if (requests >= 0) {
        return requests;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.add("--traffic-requests must be a whole number of requests, 0 or more, not '" + raw + "'");
    return 0;
  }

  private static @Nullable Long seed(Function<String, @Nullable String> value, List<String> problems) {
    String raw = value.apply("traffic-seed");
    if (raw == null || raw.isBlank()) {
      return null;
    }
    try {
      return Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      problems.add("--traffic-seed must be a whole number, such as 42, not '" + raw + "'");
      return null;
    }
  }

  static Duration duration(
      Function<String, @Nullable String> value, String name, Duration fallback, Duration max, List<String> problems) {
    String raw = value.apply(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    Duration parsed = parseDuration(raw.trim());
    if (parsed == null || parsed.isNegative() || parsed.isZero() || parsed.compareTo(max) > 0) {
      problems.add("--" + name + " must be a duration such as 500ms, 90s, 10m or 2h, at most " + max + ", not '" + raw + "'");
      return fallback;
    }
    return parsed;
  }

  static @Nullable Duration parseDuration(String text) {
    var matcher = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(text);
    if (!matcher.matches()) {
      return null;
    }
    long amount = Long.parseLong(matcher.group(1));
    switch (matcher.group(2)) {
      case "ms":
        return Duration.ofMillis(amount);
      case "s":
        return Duration.ofSeconds(amount);
      case "m":
        return Duration.ofMinutes(amount);
      default:
        return Duration.ofHours(amount);
    }
  }
}
