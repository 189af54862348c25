/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import dev.obs4j.internal.BoundedSpanProcessor;
import dev.obs4j.internal.JvmMetrics;
import dev.obs4j.internal.MetricsServer;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.ObsPrometheusRegistry;
import dev.obs4j.internal.OtelExemplarContext;
import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.internal.SpanLimitsSetup;
import dev.obs4j.internal.Settings;
import dev.obs4j.internal.console.ConsoleCredentials;
import dev.obs4j.internal.console.ConsoleServer;
import dev.obs4j.internal.console.TraceRing;
import dev.obs4j.internal.TracedProxy;
import dev.obs4j.instrument.Operations;
import dev.obs4j.internal.TracingSetup;
import dev.obs4j.internal.logs.Log4j2LatestErrorsAppender;
import dev.obs4j.internal.logs.LogbackLatestErrorsAppender;
import dev.obs4j.internal.logs.LogCorrelation;
import dev.obs4j.metrics.CardinalityGuard;
import dev.obs4j.trace.Propagation;
import dev.obs4j.trace.SpanCallable;
import dev.obs4j.trace.SpanErrors;
import dev.obs4j.trace.SpanRunnable;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.semconv.ServiceAttributes;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one handle a service keeps: OpenTelemetry tracing exported to Jaeger (agent UDP) or OTLP, a
 * Prometheus-backed Micrometer registry whose histograms carry trace-id exemplars, and trace ids in every
 * log line written inside a span.
 *
 * <pre>{@code
 * try (Obs obs = Obs.builder().serviceName("orders").build()) {
 *   Order order = obs.inSpan("load order", () -> repository.load(id));
 *   OrderService traced = obs.traced(OrderService.class, new DefaultOrderService());
 * }
 * }</pre>
 *
 * <p>Settings go by the standard names ({@code OTEL_SERVICE_NAME}, {@code OTEL_TRACES_EXPORTER},
 * {@code JAEGER_AGENT_HOST} ...; the system property is the lower-case, dotted form:
 * {@code otel.traces.exporter}). A value comes from the first place that has it: {@link Builder#force forced}
 * in code, a system property, an environment variable, {@link Builder#set set} in code (the application's
 * default, as {@code serviceName(...)} and {@code sampler(...)} are), obs4j's default. Jaeger's older names
 * ({@code JAEGER_SERVICE_NAME}, {@code JAEGER_SAMPLER_TYPE}) take part in the same order: from a higher place
 * they win over the standard name set lower; from the same place the standard name wins. A bad value fails
 * {@link Builder#build()} with an {@link ObsConfigException} that names the setting. Once built, nothing on
 * a request path throws because of obs4j: export happens off-thread, bounded, and what is dropped is
 * counted in the {@code obs4j_*} metrics.
 */
public final class Obs implements AutoCloseable {
  /** The instrumentation scope of the spans obs4j itself starts. */
  public static final String INSTRUMENTATION_NAME = "dev.obs4j";

  private static final Logger log = LoggerFactory.getLogger(Obs.class);

  private final String serviceName;
  private final OpenTelemetrySdk sdk;
  private final Tracer tracer;
  private final Propagation propagation;
  private final Operations operations;
  private final PrometheusMeterRegistry registry;
  private final List<AutoCloseable> closeables;
  private final @Nullable MetricsServer metricsServer;
  private final Duration shutdownTimeout;
  private final @Nullable Thread shutdownHook;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable ConsoleServer console;

  static {
    ObsInternals.setConsoleLookup(obs -> obs.console);
  }

  private Obs(Builder builder) {
    Settings settings = Settings.fromSystem(builder.forced, builder.settings);
    // First, before anything can touch OpenTelemetry's context: the MDC wrapper only takes effect then.
    boolean mdc = settings.bool("OBS4J_LOGS_MDC", true);
    if (mdc) {
      LogCorrelation.installMdc();
    } else {
      LogCorrelation.disableMdc();
    }

    // Parse everything before starting anything, so a bad value leaves no thread or socket behind.
    Resource resource = resource(settings, builder.resourceAttributes);
    this.serviceName = Objects.requireNonNull(resource.getAttribute(ServiceAttributes.SERVICE_NAME));
    TextMapPropagator propagator = TracingSetup.propagator(settings);
    TextMapPropagator extractor = TracingSetup.extractor(settings);
    int maxQueue = settings.intInRange("OTEL_BSP_MAX_QUEUE_SIZE", 2048, 1, 10_000_000);
    int maxBatch = settings.intInRange("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512, 1, 10_000_000);
    Duration delay = settings.millis("OTEL_BSP_SCHEDULE_DELAY", Duration.ofSeconds(5), 0, 3_600_000);
    Duration exportTimeout = settings.millis("OTEL_BSP_EXPORT_TIMEOUT", Duration.ofSeconds(30), 1, 3_600_000);
    SpanLimits spanLimits = SpanLimitsSetup.spanLimits(settings);
    this.shutdownTimeout = settings.millis("OBS4J_SHUTDOWN_TIMEOUT", Duration.ofSeconds(10), 0, 3_600_000);
    int maxTagValues = settings.intInRange("OBS4J_METRICS_MAX_TAG_VALUES", 100, 1, 1_000_000);
    boolean jvmMetrics = settings.bool("OBS4J_METRICS_JVM", true);
    boolean exemplarsOnAllTypes = settings.bool("OBS4J_METRICS_EXEMPLARS_ON_ALL_TYPES", false);
    boolean consoleOn = settings.bool("OBS4J_CONSOLE", false);
    int consoleSpans = settings.intInRange("OBS4J_CONSOLE_MAX_SPANS", 10_000, 1, 1_000_000);
    long consoleBytes = settings.intInRange("OBS4J_CONSOLE_MAX_BYTES", (int) TraceRing.DEFAULT_MAX_BYTES, 1 << 20, 1 << 30);
    int consoleTraces = settings.intInRange("OBS4J_CONSOLE_TRACES", 100, 1, 10_000);
    String consoleJaeger = settings.get("OBS4J_CONSOLE_JAEGER_URL");
    if (consoleJaeger != null) {
      Settings.httpUrl("OBS4J_CONSOLE_JAEGER_URL", consoleJaeger);
    }
    String consoleLogs = settings.get("OBS4J_CONSOLE_LOGS_URL");
    if (consoleLogs != null) {
      if (!consoleLogs.contains("{traceId}")) {
        throw Settings.invalid("OBS4J_CONSOLE_LOGS_URL", consoleLogs, "a URL holding {traceId}");
      }
      Settings.httpUrl("OBS4J_CONSOLE_LOGS_URL", consoleLogs.replace("{traceId}", "0"));
    }
    boolean consoleRemote = settings.bool("OBS4J_CONSOLE_REMOTE", false);
    List<URI> consolePeers = new ArrayList<>();
    for (String peer : settings.get("OBS4J_CONSOLE_PEERS", "").split(",")) {
      if (!peer.isBlank()) {
        consolePeers.add(Settings.httpUrl("OBS4J_CONSOLE_PEERS", peer.trim()));
      }
    }
    String consoleUser = settings.get("OBS4J_CONSOLE_USERNAME");
    String consolePassword = settings.get("OBS4J_CONSOLE_PASSWORD");
    checkBasicAuth("OBS4J_CONSOLE_USERNAME", consoleUser, "OBS4J_CONSOLE_PASSWORD", consolePassword, "the console");
    ConsoleCredentials consoleCredentials =
        new ConsoleCredentials(settings.get("OBS4J_CONSOLE_TOKEN"), consoleUser, consolePassword);
    boolean serverEnabled = settings.bool("OBS4J_METRICS_SERVER", false);
    String serverHost = settings.get("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1");
    int serverPort = settings.intInRange("OTEL_EXPORTER_PROMETHEUS_PORT", 9464, 0, 65535);
    String serverUser = settings.get("OBS4J_METRICS_SERVER_USERNAME");
    String serverPassword = settings.get("OBS4J_METRICS_SERVER_PASSWORD");
    checkBasicAuth(
        "OBS4J_METRICS_SERVER_USERNAME", serverUser, "OBS4J_METRICS_SERVER_PASSWORD", serverPassword, "/metrics");
    boolean hook = settings.bool("OBS4J_SHUTDOWN_HOOK", true);
    boolean global = settings.bool("OBS4J_REGISTER_GLOBAL", true);
    // OpenTelemetry's switch for the SDK: no span is recorded or exported (no sampler polls, no exporter
    // starts); metrics and log correlation are obs4j's own and stay on
    boolean sdkDisabled = settings.bool("OTEL_SDK_DISABLED", false);
    List<String> contextFields = contextFields(settings);
    boolean acceptInboundFields = settings.bool("OBS4J_CONTEXT_ACCEPT_INBOUND", true);
    List<String> fieldHosts = fieldHosts(settings);

    // What this constructor starts, in order: a failure closes it all again, last first, so a build() that
    // throws leaves no thread, socket or global registration behind. What the SDK owns once it is built
    // (processors, exporters) is in a list of its own: close() shuts it down through the SDK.
    List<AutoCloseable> started = new ArrayList<>();
    List<AutoCloseable> tracingStarted = new ArrayList<>();
    try {
      // Metrics first: the tracing pipeline reports on itself through them.
      ObsPrometheusRegistry registry =
          new ObsPrometheusRegistry(
              prometheusConfig(exemplarsOnAllTypes),
              new PrometheusRegistry(),
              Clock.SYSTEM,
              new OtelExemplarContext());
      this.registry = registry;
      List<Tag> commonTags = new ArrayList<>();
      commonTags.add(Tag.of("service", serviceName));
      String environment = resource.getAttribute(DEPLOYMENT_ENVIRONMENT);
      if (environment != null) {
        commonTags.add(Tag.of("env", environment));
      }
      registry.config().commonTags(commonTags);
      CardinalityGuard guard = new CardinalityGuard(maxTagValues);
      registry.config().meterFilter(guard);
      guard.countCollapsedIn(
          Counter.builder("obs4j.metrics.tag.values.collapsed")
              .description("Tag values replaced by OTHER because a meter had too many distinct values")
              .register(registry));
      SelfMetrics selfMetrics = new SelfMetrics(registry);

      TraceRing traceRing = consoleOn ? new TraceRing(consoleSpans, consoleBytes, registry) : null;
      ConsoleServer consoleServer =
          traceRing == null
              ? null
              : ConsoleServer.create(
                  traceRing, registry, serviceName, consoleJaeger, consoleLogs, consoleRemote, consolePeers,
                  consoleTraces, consoleCredentials);
      this.console = consoleServer;
      if (consoleServer != null) {
        started.add(consoleServer);
      }
      // The port before any thread: the likeliest failure of all comes first.
      MetricsServer server = null;
      if (serverEnabled) {
        try {
          server = new MetricsServer(registry, serverHost, serverPort, serverUser, serverPassword, consoleServer);
        } catch (IOException | RuntimeException e) {
          throw new ObsConfigException(
              "OTEL_EXPORTER_PROMETHEUS_PORT",
              "Cannot serve /metrics on " + serverHost + ":" + serverPort
                  + " (OTEL_EXPORTER_PROMETHEUS_HOST / OTEL_EXPORTER_PROMETHEUS_PORT): " + e,
              e);
        }
        started.add(server);
      }
      this.metricsServer = server;

      Sampler sampler = sdkDisabled ? Sampler.alwaysOff() : TracingSetup.sampler(settings, serviceName, started);
      Map<String, SpanExporter> exporters =
          sdkDisabled ? Map.of() : TracingSetup.exporters(settings, resource, selfMetrics);
      if (sdkDisabled) {
        log.info("OTEL_SDK_DISABLED=true: obs4j records and exports no span for service {}; metrics and log"
            + " correlation stay on", serviceName);
      }
      SdkTracerProviderBuilder tracing =
          SdkTracerProvider.builder().setResource(resource).setSampler(sampler).setSpanLimits(spanLimits);
      tracing.addSpanProcessor(new StartCounter(selfMetrics.started()));
      for (Map.Entry<String, SpanExporter> exporter : exporters.entrySet()) {
        BoundedSpanProcessor processor =
            new BoundedSpanProcessor(
                exporter.getKey(), exporter.getValue(), selfMetrics, maxQueue, maxBatch, delay, exportTimeout);
        tracingStarted.add(() -> processor.shutdown().join(1, TimeUnit.SECONDS)); // until the SDK owns it
        tracing.addSpanProcessor(processor);
      }
      for (SpanProcessor processor : builder.processors) {
        tracing.addSpanProcessor(processor);
      }
      if (traceRing != null) {
        tracing.addSpanProcessor(traceRing);
        // the console's latest errors, from log4j2 or Logback, whichever is the backend (both are optional)
        try {
          Log4j2LatestErrorsAppender.install();
        } catch (LinkageError noLog4jCore) {
          // not on the class path
        }
        try {
          LogbackLatestErrorsAppender.install();
        } catch (LinkageError noLogback) {
          // not on the class path
        }
      }
      this.sdk =
          OpenTelemetrySdk.builder()
              .setTracerProvider(tracing.build())
              .setPropagators(ContextPropagators.create(propagator))
              .build();
      tracingStarted.clear();
      tracingStarted.add(() -> sdk.getSdkTracerProvider().shutdown().join(1, TimeUnit.SECONDS));
      this.tracer = sdk.getTracer(INSTRUMENTATION_NAME);
      this.propagation = ObsInternals.newPropagation(propagator, extractor);
      this.operations =
          ObsInternals.newOperations(
              tracer, propagation, registry, contextFields, serviceName, acceptInboundFields, fieldHosts);
      if (jvmMetrics) {
        // Bound on the first scrape or after a few seconds, not on the way to the first request.
        JvmMetrics jvm = new JvmMetrics(registry, JVM_METRICS_DELAY);
        started.add(jvm);
        registry.beforeScrape(jvm::bind);
      }

      // Nothing below can fail: only now does this handle become visible to the rest of the JVM.
      LogCorrelation.serviceName(serviceName);
      if (global) {
        registerGlobal(sdk);
      }
      this.closeables = new ArrayList<>(started);
      this.shutdownHook = hook ? new Thread(this::close, "obs4j-shutdown") : null;
      if (shutdownHook != null) {
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
      log.debug(
          "obs4j started for service {}: exporters {}, sampler {}, propagators {}",
          serviceName,
          exporters.keySet(),
          Secrets.mask(sampler.getDescription()),
          propagator.fields());
    } catch (RuntimeException | Error e) {
      closeAll(tracingStarted);
      closeAll(started);
      throw e;
    }
  }

  /** Closes {@code started}, last first; a failure to close one does not stop the others. */
  private static void closeAll(List<AutoCloseable> started) {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception | LinkageError e) {
        log.debug("obs4j could not close {}", started.get(i), e);
      }
    }
  }

  /**
   * Makes {@code sdk} the global OpenTelemetry when none is set yet, so that libraries instrumented through
   * {@code GlobalOpenTelemetry} (many OpenTelemetry library instrumentations, Kafka client interceptors)
   * report into this handle's traces. The first handle built wins; later ones leave it alone.
   */
  private static void registerGlobal(OpenTelemetrySdk sdk) {
    try {
      if (!GlobalOpenTelemetry.isSet()) {
        GlobalOpenTelemetry.set(sdk);
      }
    } catch (IllegalStateException setMeanwhile) {
      // another thread (or an agent) registered one first: keep it
    }
  }

  /** Basic auth takes both settings or neither, and a user name without a colon. */
  private static void checkBasicAuth(
      String userSetting, @Nullable String user, String passwordSetting, @Nullable String password, String what) {
    if (user == null && password != null) {
      throw new ObsConfigException(
          userSetting,
          passwordSetting + " is set but " + userSetting + " is not: set both for basic auth on " + what + ", or neither");
    }
    if (user != null && password == null) {
      throw new ObsConfigException(
          passwordSetting,
          userSetting + " is set but " + passwordSetting + " is not: set both for basic auth on " + what + ", or neither");
    }
    // (control characters never get this far: reading any setting rejects them)
    if (user != null && user.indexOf(':') >= 0) {
      throw new ObsConfigException(userSetting, "Invalid " + userSetting + ": basic auth user names cannot contain ':'");
    }
  }

  /** When the JVM meters are bound at the latest, if nothing scraped before. */
  private static final Duration JVM_METRICS_DELAY = Duration.ofSeconds(10);

  private static final io.opentelemetry.api.common.AttributeKey<String> DEPLOYMENT_ENVIRONMENT =
      io.opentelemetry.api.common.AttributeKey.stringKey("deployment.environment.name");

  /**
   * Micrometer puts exemplars on every series, {@code _count} included; Prometheus before 2.43 (Debian 12
   * ships 2.42) then rejects the whole scrape ("does not support exemplars"). By default obs4j keeps them
   * where every Prometheus with exemplar storage accepts them: histogram buckets and counters.
   */
  private static PrometheusConfig prometheusConfig(boolean exemplarsOnAllTypes) {
    return new PrometheusConfig() {
      @Override
      public @Nullable String get(String key) {
        return null;
      }

      @Override
      public java.util.Properties prometheusProperties() {
        java.util.Properties properties = PrometheusConfig.super.prometheusProperties();
        properties.setProperty(
            "io.prometheus.exporter.exemplarsOnAllMetricTypes", Boolean.toString(exemplarsOnAllTypes));
        return properties;
      }
    };
  }

  private static List<String> contextFields(Settings settings) {
    String raw = settings.get("OBS4J_CONTEXT_FIELDS", ObsContext.USER_ID);
    List<String> fields = new ArrayList<>();
    for (String field : raw.split(",", -1)) {
      String name = field.trim();
      if (name.isEmpty() || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
        throw Settings.invalid(
            "OBS4J_CONTEXT_FIELDS", raw, "a comma-separated list of field names made of letters, digits, '.', '_', '-'");
      }
      fields.add(name);
    }
    return fields;
  }

  private static List<String> fieldHosts(Settings settings) {
    String raw = settings.get("OBS4J_CONTEXT_PROPAGATE_HOSTS", "");
    List<String> hosts = new ArrayList<>();
    for (String host : raw.split(",", -1)) {
      String name = host.trim().toLowerCase(java.util.Locale.ROOT);
      if (name.isEmpty() && raw.isBlank()) {
        continue;
      }
      if (!name.matches("\\.?[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?")) {
        throw Settings.invalid(
            "OBS4J_CONTEXT_PROPAGATE_HOSTS", raw, "a comma-separated list of host names, '.example.com' for a domain");
      }
      hosts.add(name);
    }
    return hosts;
  }

  private static Resource resource(Settings settings, Map<String, String> inCode) {
    AttributesBuilder attributes = io.opentelemetry.api.common.Attributes.builder();
    settings.keyValues("OTEL_RESOURCE_ATTRIBUTES").forEach((key, value) -> {
      // OpenTelemetry's own check would throw later, without naming the setting
      if (key.length() > 255 || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        throw Settings.invalid(
            "OTEL_RESOURCE_ATTRIBUTES",
            settings.get("OTEL_RESOURCE_ATTRIBUTES", ""),
            "keys of printable ASCII, at most 255 characters (got a key of " + key.length() + " characters)");
      }
      attributes.put(key, value);
    });
    inCode.forEach(attributes::put);
    // JAEGER_SERVICE_NAME from the environment overrides OTEL_SERVICE_NAME set in code, as any setting from
    // a higher place does; from the same place, the standard name wins
    String service = settings.get(settings.preferred("OTEL_SERVICE_NAME", "JAEGER_SERVICE_NAME"));
    if (service == null) {
      service = settings.get("JAEGER_SERVICE_NAME");
    }
    if (service != null) {
      attributes.put(ServiceAttributes.SERVICE_NAME, service);
    }
    String version = settings.get("OBS4J_SERVICE_VERSION");
    if (version != null) {
      attributes.put(ServiceAttributes.SERVICE_VERSION, version);
    }
    String environment = settings.get("OBS4J_ENVIRONMENT");
    if (environment != null) {
      attributes.put(DEPLOYMENT_ENVIRONMENT, environment);
    }
    return Resource.getDefault().merge(Resource.create(attributes.build()));
  }

  /** Starts a builder; see the class comment for how settings are found. */
  public static Builder builder() {
    return new Builder();
  }

  /** The service name this handle reports as ({@code service.name}). */
  public String serviceName() {
    return serviceName;
  }

  /** The OpenTelemetry instance, for libraries that take one. */
  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  /** The tracer of scope {@value #INSTRUMENTATION_NAME}. */
  public Tracer tracer() {
    return tracer;
  }

  /** Inject and extract trace context with every configured propagator. */
  public Propagation propagation() {
    return propagation;
  }

  /** The shared operation lifecycle that obs4j's integrations (HTTP, JDBC, messaging) go through. */
  public Operations operations() {
    return operations;
  }

  /** The Micrometer registry that Prometheus scrapes (with exemplars in the OpenMetrics format). */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /** Where the built-in {@code /metrics} server listens, or null when it is off. */
  public @Nullable InetSocketAddress metricsServerAddress() {
    MetricsServer server = metricsServer;
    return server == null ? null : server.address();
  }

  /**
   * Wraps {@code target} so that methods annotated with OpenTelemetry's {@code @WithSpan} (on the interface
   * or on the implementation) run in a span, with {@code @SpanAttribute} parameters as attributes.
   * Exceptions are recorded and rethrown unchanged; a returned {@code CompletionStage} ends its span when it
   * completes.
   */
  public <T> T traced(Class<T> iface, T target) {
    return TracedProxy.create(iface, target, tracer, serviceName);
  }

  /**
   * Makes this handle's service the one that log lines written on this thread carry in {@code service.name}
   * until the scope closes, for code that logs outside any span (start-up, a worker loop) when several
   * handles share one JVM. Lines inside obs4j's spans carry their own handle's service without this.
   *
   * <pre>{@code
   * try (Scope ignored = workerObs.serviceScope()) {
   *   log.info("worker started");   // service.name=worker
   * }
   * }</pre>
   */
  public Scope serviceScope() {
    return LogCorrelation.makeCurrent(LogCorrelation.withService(Context.current(), serviceName));
  }

  /**
   * Runs {@code code} in an INTERNAL span named {@code name}, current while it runs; returns its result. Its
   * spans (JDBC, HTTP calls, messages) nest under it and its log lines carry its trace id. Inside a request
   * the span is a child of the request's; on a thread with no current span it is the root of a new trace,
   * which is how a scheduled or background job is traced:
   *
   * <pre>{@code
   * scheduler.scheduleAtFixedRate(
   *     () -> obs.runInSpan("expire-orders", () -> orders.expireOlderThan(Duration.ofDays(30))),
   *     1, 1, TimeUnit.HOURS);   // one trace per run: the job's span, its statements, its log lines
   * }</pre>
   */
  public <T extends @Nullable Object, E extends Throwable> T inSpan(String name, SpanCallable<T, E> code)
      throws E {
    return inSpan(name, SpanKind.INTERNAL, code);
  }

  /** Runs {@code code} in a span of {@code kind} named {@code name}; errors are recorded and rethrown. */
  public <T extends @Nullable Object, E extends Throwable> T inSpan(
      String name, SpanKind kind, SpanCallable<T, E> code) throws E {
    Span span = tracer.spanBuilder(name).setSpanKind(kind).startSpan();
    try (Scope ignored = LogCorrelation.makeCurrent(span, serviceName)) {
      return code.call();
    } catch (Throwable t) {
      SpanErrors.record(span, t);
      throw t;
    } finally {
      span.end();
    }
  }

  /** Runs {@code code} in an INTERNAL span named {@code name} (see {@link #inSpan(String, SpanCallable)}). */
  public <E extends Throwable> void runInSpan(String name, SpanRunnable<E> code) throws E {
    inSpan(
        name,
        SpanKind.INTERNAL,
        () -> {
          code.run();
          return null;
        });
  }

  /** The context that {@link #propagation()} would extract from {@code headers}. */
  public Context extract(Map<String, String> headers) {
    return propagation.extract(headers);
  }

  /** Whether {@link #close()} has run. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Flushes pending spans (waiting at most {@code OBS4J_SHUTDOWN_TIMEOUT}), stops exporters and the metrics
   * server. Closing twice is harmless; afterwards spans are no longer recorded, and nothing throws.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    Thread hook = shutdownHook;
    if (hook != null && Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // the JVM is exiting; the hook runs anyway and finds us closed
      }
    }
    try {
      if (!sdk.getSdkTracerProvider()
          .shutdown()
          .join(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .isSuccess()) {
        log.warn(
            "obs4j could not deliver every span at shutdown: some were lost (see obs4j_spans_dropped_total) or not"
                + " flushed within {} ms (OBS4J_SHUTDOWN_TIMEOUT)",
            shutdownTimeout.toMillis());
      }
    } catch (RuntimeException e) {
      log.warn("obs4j tracing shutdown failed", e);
    }
    closeAll(closeables); // the metrics server, the console, a remote sampler, the JVM meters
  }

  @Override
  public String toString() {
    return "Obs{" + serviceName + (closed.get() ? ", closed" : "") + "}";
  }

  /** Counts started spans for the self-metrics; cheap enough for the request path. */
  private static final class StartCounter implements SpanProcessor {
    private final Counter started;

    StartCounter(Counter started) {
      this.started = started;
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
      started.increment();
    }

    @Override
    public boolean isStartRequired() {
      return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {}

    @Override
    public boolean isEndRequired() {
      return false;
    }
  }

  /**
   * Builds an {@link Obs}. Every setter sets one setting by its standard name; anything not set here is read
   * from system properties, then environment variables. See the configuration table in the documentation.
   */
  public static final class Builder {
    private final Map<String, String> settings = new LinkedHashMap<>();
    private final Map<String, String> forced = new LinkedHashMap<>();
    private final Map<String, String> resourceAttributes = new LinkedHashMap<>();
    private final List<SpanProcessor> processors = new ArrayList<>();

    private Builder() {}

    /**
     * Sets any setting by its environment-variable name, e.g. {@code set("OTEL_TRACES_SAMPLER",
     * "traceidratio")}, as this application's default: a system property or environment variable of the
     * same setting overrides it, so operators can change a deployed service (as OpenTelemetry's
     * autoconfiguration treats values from code). Every named setter of this builder does the same. Use
     * {@link #force} for a value nothing may override.
     */
    public Builder set(String setting, String value) {
      settings.put(Objects.requireNonNull(setting, "setting"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * Sets a setting that system properties and the environment cannot override, e.g. a service name that
     * must not change with the host's {@code OTEL_SERVICE_NAME}. The order is: forced in code, then system
     * property, then environment variable, then {@link #set} in code, then obs4j's default.
     */
    public Builder force(String setting, String value) {
      forced.put(Objects.requireNonNull(setting, "setting"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** {@code OTEL_SERVICE_NAME}: the service name every span, metric and log line carries. */
    public Builder serviceName(String name) {
      return set("OTEL_SERVICE_NAME", name);
    }

    /** {@code OBS4J_SERVICE_VERSION}: the {@code service.version} resource attribute. */
    public Builder serviceVersion(String version) {
      return set("OBS4J_SERVICE_VERSION", version);
    }

    /** {@code OBS4J_ENVIRONMENT}: {@code deployment.environment.name}, and the {@code env} metric tag. */
    public Builder environment(String environment) {
      return set("OBS4J_ENVIRONMENT", environment);
    }

    /** Adds one resource attribute, on top of {@code OTEL_RESOURCE_ATTRIBUTES}. */
    public Builder resourceAttribute(String key, String value) {
      resourceAttributes.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** {@code OTEL_TRACES_EXPORTER}: any of {@code jaeger}, {@code otlp}, {@code logging}, or {@code none}. */
    public Builder tracesExporter(String... exporters) {
      return set("OTEL_TRACES_EXPORTER", String.join(",", exporters));
    }

    /** {@code JAEGER_AGENT_HOST} and {@code JAEGER_AGENT_PORT}: where the jaeger exporter sends UDP. */
    public Builder jaegerAgent(String host, int port) {
      set("JAEGER_AGENT_HOST", host);
      return set("JAEGER_AGENT_PORT", Integer.toString(port));
    }

    /** {@code OTEL_EXPORTER_OTLP_ENDPOINT}: the collector's base URL. */
    public Builder otlpEndpoint(String endpoint) {
      return set("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
    }

    /** {@code OTEL_EXPORTER_OTLP_PROTOCOL}: {@code http/protobuf} (default) or {@code grpc}. */
    public Builder otlpProtocol(String protocol) {
      return set("OTEL_EXPORTER_OTLP_PROTOCOL", protocol);
    }

    /** {@code OTEL_TRACES_SAMPLER}, e.g. {@code parentbased_traceidratio}. */
    public Builder sampler(String sampler) {
      return set("OTEL_TRACES_SAMPLER", sampler);
    }

    /** {@code OTEL_TRACES_SAMPLER} and {@code OTEL_TRACES_SAMPLER_ARG}, e.g. {@code ("ratelimiting", "10")}. */
    public Builder sampler(String sampler, String argument) {
      set("OTEL_TRACES_SAMPLER", sampler);
      return set("OTEL_TRACES_SAMPLER_ARG", argument);
    }

    /** {@code OTEL_PROPAGATORS}: any of {@code tracecontext, baggage, jaeger, b3, b3multi}. */
    public Builder propagators(String... propagators) {
      return set("OTEL_PROPAGATORS", String.join(",", propagators));
    }

    /** Turns on the built-in {@code /metrics} server on {@code host:port} (port 0: any free port). */
    public Builder metricsServer(String host, int port) {
      set("OBS4J_METRICS_SERVER", "true");
      set("OTEL_EXPORTER_PROMETHEUS_HOST", host);
      return set("OTEL_EXPORTER_PROMETHEUS_PORT", Integer.toString(port));
    }

    /**
     * {@code OBS4J_METRICS_SERVER_USERNAME} and {@code OBS4J_METRICS_SERVER_PASSWORD}: the metrics server's
     * {@code /metrics} asks for these by HTTP basic auth ({@code /health} stays open). Prometheus sends them
     * with {@code basic_auth} in its scrape config. Basic auth without TLS only keeps casual readers out:
     * keep the server on loopback or a private network.
     */
    public Builder metricsServerBasicAuth(String username, String password) {
      set("OBS4J_METRICS_SERVER_USERNAME", Objects.requireNonNull(username, "username"));
      return set("OBS4J_METRICS_SERVER_PASSWORD", Objects.requireNonNull(password, "password"));
    }

    /** {@code OBS4J_SHUTDOWN_HOOK}: whether a JVM shutdown hook closes this handle (default true). */
    public Builder shutdownHook(boolean enabled) {
      return set("OBS4J_SHUTDOWN_HOOK", Boolean.toString(enabled));
    }

    /**
     * Adds a span processor of your own after obs4j's exporters, e.g. a {@code SimpleSpanProcessor} over an
     * in-memory exporter in tests. It runs on the request thread: it must be fast and must not throw.
     */
    public Builder addSpanProcessor(SpanProcessor processor) {
      processors.add(Objects.requireNonNull(processor, "processor"));
      return this;
    }

    /**
     * Builds the handle, starting the exporters (and the metrics server if asked for).
     *
     * @throws ObsConfigException if a setting has a value obs4j cannot use; the message names it
     */
    public Obs build() {
      return new Obs(this);
    }
  }
}
