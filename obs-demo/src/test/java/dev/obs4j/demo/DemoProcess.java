/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.obs4j.testing.ChildProcess;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The demo as a user runs it: {@code DemoMain} in a child JVM with the demo's own class path and its shipped
 * {@code log4j2.xml} (the test classes and fixtures are left off), on free loopback ports, its JSON log file
 * in a temporary directory; stopped with SIGTERM like a user's Ctrl-C or a container stop.
 */
final class DemoProcess implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final Path dir;
  private final int gatewayPort;
  private final int ordersPort;
  private final int workerPort;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private DemoProcess(Process process, Path dir, int gatewayPort, int ordersPort, int workerPort) {
    this.process = process;
    this.dir = dir;
    this.gatewayPort = gatewayPort;
    this.ordersPort = ordersPort;
    this.workerPort = workerPort;
  }

  /**
   * How a demo is launched, besides its flags: extra environment variables, a command that wraps {@code java}
   * (a terminal, another user), JVM options, the class path and working directory, and whether the log file's
   * directory is given as {@code -Dobs4j.demo.log.dir} (the default: in the process's own temporary directory).
   */
  static final class Options {
    final Map<String, String> environment = new LinkedHashMap<>();
    final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC"));
    Function<List<String>, List<String>> wrapper = command -> command;
    boolean logDirProperty = true;
    @Nullable String classPath;
    @Nullable Path workingDirectory;
    int @Nullable [] ports;

    /** Fixed ports instead of free ones, e.g. for a process restarted at the address Prometheus scrapes. */
    Options ports(int gateway, int orders, int worker) {
      ports = new int[] {gateway, orders, worker};
      return this;
    }

    Options env(String name, String value) {
      environment.put(name, value);
      return this;
    }

    Options env(Map<String, String> variables) {
      environment.putAll(variables);
      return this;
    }

    /**
     * Runs the demo with its standard output on a terminal: {@code script} (util-linux) gives it a
     * pseudo-terminal and copies what it writes there to the output file.
     */
    Options onTerminal() {
      wrapper = command -> List.of("script", "-qfec", command.stream().map(DemoProcess::shellQuote)
          .collect(Collectors.joining(" ")), "/dev/null");
      return this;
    }
  }

  static Options options() {
    return new Options();
  }

  /** Starts the demo sending spans to the UDP agent stand-in on {@code agentPort}, with extra flags. */
  static DemoProcess start(int agentPort, String... flags) throws IOException, InterruptedException {
    return start(agentPort, Map.of(), flags);
  }

  /** As {@link #start(int, String...)}, with extra environment variables. */
  static DemoProcess start(int agentPort, Map<String, String> environment, String... flags)
      throws IOException, InterruptedException {
    return start(agentPort, options().env(environment), flags);
  }

  /** As {@link #start(int, String...)}, launched as {@code options} say. */
  static DemoProcess start(int agentPort, Options options, String... flags) throws IOException, InterruptedException {
    DemoProcess demo = launch(agentPort, options, flags);
    try {
      demo.awaitOutput(out -> out.contains("obs4j demo is up"), 60);
    } catch (AssertionError | IOException | InterruptedException e) {
      demo.close();
      throw e;
    }
    return demo;
  }

  /**
   * Runs a demo that is expected not to start (a bad setting): waits for it to exit (60 s at most) and
   * returns what it wrote, standard output and error together, then its log file, if any.
   */
  static String runToFailure(int agentPort, Map<String, String> environment, String... flags)
      throws IOException, InterruptedException {
    DemoProcess demo = launch(agentPort, options().env(environment), flags);
    try {
      if (!demo.process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the demo was expected to stop on a bad setting:\n" + demo.stdout());
      }
      assertThat(demo.process.exitValue()).as(demo.stdout()).isNotZero();
      String logs = Files.exists(demo.logFile()) ? Files.readString(demo.logFile()) : "";
      return demo.stdout() + "\n" + logs;
    } finally {
      demo.close();
    }
  }

  private static DemoProcess launch(int agentPort, Options options, String... flags) throws IOException {
    Path dir = Files.createTempDirectory("obs-demo-it");
    int gateway = options.ports != null ? options.ports[0] : freePort();
    int orders = options.ports != null ? options.ports[1] : freePort();
    int worker = options.ports != null ? options.ports[2] : freePort();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options.jvmOptions);
    if (options.logDirProperty) {
      command.add("-Dobs4j.demo.log.dir=" + dir.resolve("logs"));
    }
    String classPath = options.classPath;
    command.addAll(List.of("-cp", classPath != null ? classPath : demoClassPath(), "dev.obs4j.demo.DemoMain"));
    command.addAll(
        List.of(
            "--host", "127.0.0.1",
            "--gateway-port", Integer.toString(gateway),
            "--orders-port", Integer.toString(orders),
            "--worker-port", Integer.toString(worker)));
    command.addAll(Arrays.asList(flags));
    ProcessBuilder builder =
        new ProcessBuilder(options.wrapper.apply(command))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("stdout.txt").toFile());
    if (options.workingDirectory != null) {
      builder.directory(options.workingDirectory.toFile());
    }
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("OTEL_") || k.startsWith("JAEGER_") || k.startsWith("DEMO_"));
    env.put("JAEGER_AGENT_HOST", "127.0.0.1");
    env.put("JAEGER_AGENT_PORT", Integer.toString(agentPort));
    env.put("OTEL_BSP_SCHEDULE_DELAY", "100"); // spans reach the agent stand-in within a test's patience
    env.putAll(options.environment);
    return new DemoProcess(builder.start(), dir, gateway, orders, worker);
  }

  /** The class path of the demo itself: this JVM's, less the test classes and the fixtures' test jars. */
  static String demoClassPath() {
    return String.join(File.pathSeparator, demoClassPathEntries());
  }

  static List<String> demoClassPathEntries() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.contains("test-classes") && !entry.endsWith("-tests.jar"))
        .collect(Collectors.toList());
  }

  static String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** The process that was started (for a wrapped demo, the wrapper, whose descendant is the JVM). */
  Process process() {
    return process;
  }

  /** The directory the test's files for this demo live in (standard output, the log directory). */
  Path dir() {
    return dir;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  String stdout() throws IOException {
    return Files.readString(dir.resolve("stdout.txt"));
  }

  void awaitOutput(Predicate<String> done, int seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String out = stdout();
      if (done.test(out)) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("the demo exited with " + process.exitValue() + ":\n" + out);
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the demo did not get there in " + seconds + " s:\n" + stdout());
  }

  int gatewayPort() {
    return gatewayPort;
  }

  int ordersPort() {
    return ordersPort;
  }

  int workerPort() {
    return workerPort;
  }

  Path logFile() {
    return dir.resolve("logs").resolve("obs-demo.json");
  }

  /** Every line of the JSON log file, parsed; a line that is not one JSON object fails the test. */
  List<JsonNode> logLines() throws IOException {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(logFile())) {
      if (!line.isEmpty()) {
        JsonNode node = JSON.readTree(line);
        if (!node.isObject()) {
          throw new AssertionError("not a JSON object: " + line);
        }
        lines.add(node);
      }
    }
    return lines;
  }

  /** The log lines of trace {@code traceId}. */
  List<JsonNode> logLines(String traceId) throws IOException {
    return logLines().stream().filter(l -> traceId.equals(l.path("trace.id").asText())).collect(Collectors.toList());
  }

  HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(gateway(path)).GET(), headers);
  }

  HttpResponse<String> post(String path, String json, String... headers) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(gateway(path))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json"),
        headers);
  }

  private URI gateway(String path) {
    return URI.create("http://127.0.0.1:" + gatewayPort + path);
  }

  private HttpResponse<String> send(HttpRequest.Builder request, String... headers)
      throws IOException, InterruptedException {
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The Prometheus text of the part whose metrics are served on {@code port}. */
  String scrape(int port) throws IOException, InterruptedException {
    return fetch(port, "/metrics").body();
  }

  /** GET {@code path} on the part at {@code port}, with extra headers (name, value, ...). */
  HttpResponse<String> fetch(int port, String path, String... headers) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET(), headers);
  }

  /**
   * The sum of the samples of {@code metric} on the part at {@code port} whose labels contain every one of
   * {@code labels} (written as in the exposition text, e.g. {@code outcome="failure"}).
   */
  double sum(int port, String metric, String... labels) throws IOException, InterruptedException {
    double total = 0;
    for (String line : scrape(port).split("\n")) {
      if (!line.startsWith(metric + "{") && !line.startsWith(metric + " ")) {
        continue;
      }
      int end = line.lastIndexOf('}');
      String labelText = end < 0 ? "" : line.substring(metric.length(), end + 1);
      if (Arrays.stream(labels).allMatch(labelText::contains)) {
        String[] fields = line.substring(end + 1).trim().split(" ");
        total += Double.parseDouble(fields[0]);
      }
    }
    return total;
  }

  /** Polls GET {@code path} until the body satisfies {@code done}; returns that body. */
  String awaitBody(String path, Predicate<String> done, int seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String body = "";
    while (System.nanoTime() < deadline) {
      body = get(path).body();
      if (done.test(body)) {
        return body;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("GET " + path + " never satisfied the test; last body: " + body);
  }

  /** SIGTERM, as a user's Ctrl-C or {@code docker stop} sends; waits for the JVM to exit. */
  int terminate() throws InterruptedException {
    if (!ChildProcess.stop(process, 30)) {
      throw new AssertionError("the demo did not stop within 30 s of SIGTERM");
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException, IOException {
    // a wrapper (script) may not pass SIGTERM on: the JVM under it gets its own first
    process.descendants().forEach(ProcessHandle::destroy);
    ChildProcess.stopAndDelete(process, 30, dir);
  }
}
