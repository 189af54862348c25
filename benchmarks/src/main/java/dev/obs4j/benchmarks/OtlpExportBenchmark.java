/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.internal.OtelExemplarContext;
import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.internal.Settings;
import dev.obs4j.internal.TracingSetup;
import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the OTLP exporter costs per span, on every thread it uses: batches of realistic HTTP server spans
 * (the attributes {@code HttpServerHandler} sets, the resource {@code Obs} builds) exported through the
 * exporter {@code TracingSetup} builds for {@code OTEL_TRACES_EXPORTER=otlp} to a loopback HTTP sink that
 * answers 200. The score is the wall time of one export of {@code batch} spans on the benchmark thread (which
 * plays obs4j's export thread). After each iteration the CPU time of every thread that ran, by thread name,
 * is printed in µs per exported span (the sink's own threads apart), with the process's total beside it:
 * that is the figure to compare, since the exporter hands work to other threads.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar OtlpExport -f 1 -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class OtlpExportBenchmark {

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");

  /** Spans per export: the default {@code OTEL_BSP_MAX_EXPORT_BATCH_SIZE} and larger ones. */
  @Param({"512"})
  public int batch;

  /**
   * {@code setup}: the exporter exactly as {@code TracingSetup} builds it. {@code callerThread}: the same
   * exporter built here with {@code setExecutorService} running the send on the exporting thread (the
   * experiment behind issue 24's "hand-offs" row).
   */
  @Param({"setup"})
  public String sender;

  /** {@code OTEL_EXPORTER_OTLP_COMPRESSION}: {@code none} (the default) or {@code gzip}. */
  @Param({"none"})
  public String compression;

  private HttpServer sink;
  private ExecutorService sinkThreads;
  private final AtomicLong sinkRequests = new AtomicLong();
  private final AtomicLong sinkBytes = new AtomicLong();
  /** The client ports seen: one per connection the exporter opened. */
  private final java.util.Set<Integer> sinkConnections = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Requests that asked to upgrade the connection (the JDK client's h2c attempt). */
  private final AtomicLong sinkUpgrades = new AtomicLong();
  private SpanExporter exporter;
  private List<SpanData> spans;
  private long exportedSpans;
  private long failedExports;

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private Map<Long, Long> cpuBefore;
  private long processCpuBefore;
  private long spansBefore;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    sinkThreads =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "sink-handler");
              t.setDaemon(true);
              return t;
            });
    sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    sink.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            sinkBytes.addAndGet(in.readAllBytes().length);
          }
          sinkRequests.incrementAndGet();
          sinkConnections.add(exchange.getRemoteAddress().getPort());
          if (exchange.getRequestHeaders().containsKey("Upgrade")) {
            sinkUpgrades.incrementAndGet();
          }
          exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    sink.setExecutor(sinkThreads);
    sink.start();

    Map<String, String> code = new HashMap<>();
    code.put("OTEL_TRACES_EXPORTER", "otlp");
    code.put("OTEL_EXPORTER_OTLP_COMPRESSION", compression);
    code.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + sink.getAddress().getPort());
    Settings settings = new Settings(code, k -> null, k -> null);
    Resource resource =
        Resource.getDefault()
            .merge(
                Resource.create(
                    Attributes.builder()
                        .put("service.name", "orders")
                        .put("service.version", "1.4.2")
                        .put("deployment.environment.name", "production")
                        .build()));
    PrometheusMeterRegistry registry =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT, new PrometheusRegistry(), Clock.SYSTEM, new OtelExemplarContext());
    exporter =
        sender.equals("callerThread")
            ? io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter.builder()
                .setEndpoint("http://127.0.0.1:" + sink.getAddress().getPort() + "/v1/traces")
                .setTimeout(java.time.Duration.ofSeconds(10))
                .setCompression(compression)
                .setExecutorService(new CallerRuns())
                .build()
            : TracingSetup.exporters(settings, resource, new SelfMetrics(registry)).get("otlp");
    spans = serverSpans(resource, batch);
  }

  /** Spans as obs4j's HTTP server handler leaves them, read as its export thread reads them. */
  static List<SpanData> serverSpans(Resource resource, int count) {
    List<SpanData> out = new ArrayList<>(count);
    SpanProcessor collect =
        new SpanProcessor() {
          @Override
          public void onStart(Context parentContext, ReadWriteSpan span) {}

          @Override
          public boolean isStartRequired() {
            return false;
          }

          @Override
          public void onEnd(ReadableSpan span) {
            out.add(span.toSpanData());
          }

          @Override
          public boolean isEndRequired() {
            return true;
          }
        };
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().setResource(resource).addSpanProcessor(collect).build()) {
      for (int i = 0; i < count; i++) {
        Span span =
            provider
                .get("dev.obs4j", "0.1.0")
                .spanBuilder("GET /orders/{id}")
                .setSpanKind(SpanKind.SERVER)
                .startSpan();
        span.setAttribute(METHOD, "GET");
        span.setAttribute(URL_PATH, "/orders/" + (1000 + i));
        span.setAttribute(URL_SCHEME, "http");
        span.setAttribute(SERVER_ADDRESS, "orders.internal");
        span.setAttribute(SERVER_PORT, 8080L);
        span.setAttribute(CLIENT_ADDRESS, "10.1.2." + (i % 250));
        span.setAttribute(USER_AGENT, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
        span.setAttribute(ROUTE, "/orders/{id}");
        span.setAttribute(STATUS, 200L);
        span.end();
      }
    }
    return out;
  }

  /** Runs every task on the thread that submits it. */
  static final class CallerRuns extends java.util.concurrent.AbstractExecutorService {
    private volatile boolean shutdown;

    @Override
    public void execute(Runnable command) {
      command.run();
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }

  @Setup(Level.Iteration)
  public void beforeIteration() {
    cpuBefore = cpuByThread();
    processCpuBefore = processCpu();
    spansBefore = exportedSpans;
  }

  @TearDown(Level.Iteration)
  public void afterIteration() {
    long processCpu = processCpu() - processCpuBefore;
    long count = exportedSpans - spansBefore;
    Map<Long, Long> after = cpuByThread();
    Map<String, Long> byName = new TreeMap<>();
    for (Map.Entry<Long, Long> thread : after.entrySet()) {
      ThreadInfo info = threads.getThreadInfo(thread.getKey());
      if (info == null) {
        continue;
      }
      long used = thread.getValue() - cpuBefore.getOrDefault(thread.getKey(), 0L);
      if (used > 0) {
        byName.merge(info.getThreadName().replaceAll("[-#]?\\d+$", ""), used, Long::sum);
      }
    }
    if (count == 0) {
      return;
    }
    StringBuilder line = new StringBuilder(String.format("%n  cpu us/span: process %.3f;", processCpu / 1e3 / count));
    long exporterThreads = 0;
    for (Map.Entry<String, Long> group : byName.entrySet()) {
      double perSpan = group.getValue() / 1e3 / count;
      if (perSpan >= 0.005) {
        line.append(String.format(" %s %.3f;", group.getKey(), perSpan));
      }
      if (!group.getKey().startsWith("sink") && !group.getKey().startsWith("HTTP-Dispatcher")) {
        exporterThreads += group.getValue();
      }
    }
    line.append(String.format(" ALL BUT SINK %.3f; spans %d, failed exports %d, sink requests %d"
        + " on %d connections, %d asking to upgrade, %d B/span",
        exporterThreads / 1e3 / count, count, failedExports, sinkRequests.get(), sinkConnections.size(),
        sinkUpgrades.get(),
        sinkRequests.get() == 0 ? 0 : sinkBytes.get() / Math.max(1, exportedSpans)));
    System.out.println(line);
  }

  private Map<Long, Long> cpuByThread() {
    Map<Long, Long> out = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long cpu = threads.getThreadCpuTime(id);
      if (cpu >= 0) {
        out.put(id, cpu);
      }
    }
    return out;
  }

  private static long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    exporter.shutdown().join(10, TimeUnit.SECONDS);
    sink.stop(0);
    sinkThreads.shutdownNow();
  }

  /** One batch, exported and answered, as obs4j's export thread does it (join within the export timeout). */
  @Benchmark
  public boolean exportBatch() {
    CompletableResultCode result = exporter.export(spans).join(10, TimeUnit.SECONDS);
    if (result.isSuccess()) {
      exportedSpans += spans.size();
      return true;
    }
    failedExports++;
    return false;
  }
}
