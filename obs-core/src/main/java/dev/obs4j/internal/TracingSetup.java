/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import dev.obs4j.ObsConfigException;
import dev.obs4j.internal.jaeger.JaegerUdpSpanExporter;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.extension.trace.propagation.JaegerPropagator;
import io.opentelemetry.sdk.extension.trace.jaeger.sampler.JaegerRemoteSampler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Internal, not for public use. Turns settings into the sampler, the propagators and the exporters. Every
 * bad value fails here, at build time, with the setting's name.
 */
public final class TracingSetup {
  public static final Set<String> EXPORTERS =
      new LinkedHashSet<>(List.of("jaeger", "otlp", "logging", "none"));
  public static final Set<String> PROPAGATORS =
      new LinkedHashSet<>(List.of("tracecontext", "baggage", "jaeger", "b3", "b3multi", "none"));
  public static final Set<String> SAMPLERS =
      new LinkedHashSet<>(
          List.of(
              "always_on",
              "always_off",
              "traceidratio",
              "parentbased_always_on",
              "parentbased_always_off",
              "parentbased_traceidratio",
              "ratelimiting",
              "parentbased_ratelimiting",
              "jaeger_remote",
              "parentbased_jaeger_remote"));
  public static final Set<String> JAEGER_SAMPLERS =
      new LinkedHashSet<>(List.of("const", "probabilistic", "ratelimiting", "remote"));
  public static final Set<String> OTLP_PROTOCOLS = new LinkedHashSet<>(List.of("http/protobuf", "grpc"));

  private TracingSetup() {}

  // ---- propagators ----

  // JaegerPropagator is deprecated upstream (Jaeger itself now recommends W3C), but uber-trace-id is what
  // existing Jaeger-instrumented services send and read, so obs4j keeps speaking it.
  @SuppressWarnings("deprecation")
  public static TextMapPropagator propagator(Settings settings) {
    List<String> names = settings.listOf("OTEL_PROPAGATORS", "tracecontext,baggage,jaeger", PROPAGATORS);
    List<TextMapPropagator> propagators = new ArrayList<>();
    for (String name : names) {
      switch (name) {
        case "tracecontext":
          propagators.add(W3CTraceContextPropagator.getInstance());
          break;
        case "baggage":
          propagators.add(W3CBaggagePropagator.getInstance());
          break;
        case "jaeger":
          propagators.add(JaegerPropagator.getInstance());
          break;
        case "b3":
          propagators.add(B3Propagator.injectingSingleHeader());
          break;
        case "b3multi":
          propagators.add(B3Propagator.injectingMultiHeaders());
          break;
        default: // none
          if (names.size() > 1) {
            throw Settings.invalid(
                "OTEL_PROPAGATORS", String.join(",", names), "'none' alone, or a list without 'none'");
          }
      }
    }
    return TextMapPropagator.composite(propagators);
  }

  /**
   * What incoming requests and messages are read with: by default every format obs4j knows, so a caller in
   * any of them continues its trace whatever this service injects ({@code OBS4J_EXTRACT_PROPAGATORS}
   * narrows it). The parent comes from {@code traceparent}, else {@code uber-trace-id}, else B3 (single or
   * multi); baggage from W3C {@code baggage} and Jaeger {@code uberctx-} headers is merged, W3C winning.
   */
  @SuppressWarnings("deprecation") // JaegerPropagator: see propagator()
  public static TextMapPropagator extractor(Settings settings) {
    List<String> names =
        settings.listOf("OBS4J_EXTRACT_PROPAGATORS", "tracecontext,baggage,jaeger,b3,b3multi", PROPAGATORS);
    List<TextMapPropagator> trace = new ArrayList<>();
    List<TextMapPropagator> baggage = new ArrayList<>();
    if (names.contains("tracecontext")) {
      trace.add(W3CTraceContextPropagator.getInstance());
    }
    if (names.contains("jaeger")) {
      trace.add(JaegerPropagator.getInstance());
      baggage.add(JaegerPropagator.getInstance());
    }
    if (names.contains("b3") || names.contains("b3multi")) {
      trace.add(B3Propagator.injectingSingleHeader()); // extracts single and multi header B3 alike
    }
    if (names.contains("baggage")) {
      baggage.add(W3CBaggagePropagator.getInstance()); // last: W3C wins a key Jaeger also carries
    }
    if (names.contains("none") && names.size() > 1) {
      throw Settings.invalid(
          "OBS4J_EXTRACT_PROPAGATORS", String.join(",", names), "'none' alone, or a list without 'none'");
    }
    return new ExtractingPropagator(trace, baggage);
  }

  // ---- samplers ----

  /**
   * The sampler the settings ask for. A remote sampler starts polling at once: it is added to
   * {@code started}, for the caller to close.
   */
  public static Sampler sampler(Settings settings, String serviceName, List<AutoCloseable> started) {
    // JAEGER_SAMPLER_TYPE is read when it comes from a higher place than OTEL_TRACES_SAMPLER (the environment
    // over code, say); from the same place, the standard name wins
    if (!settings.isSet("JAEGER_SAMPLER_TYPE")
        || settings.preferred("OTEL_TRACES_SAMPLER", "JAEGER_SAMPLER_TYPE").equals("OTEL_TRACES_SAMPLER")) {
      return otelSampler(settings, serviceName, started);
    }
    String type = settings.oneOf("JAEGER_SAMPLER_TYPE", "remote", JAEGER_SAMPLERS);
    String param = settings.get("JAEGER_SAMPLER_PARAM");
    Sampler root;
    switch (type) {
      case "const":
        double on = param == null ? 1 : Settings.parseDouble("JAEGER_SAMPLER_PARAM", param, 0, 1);
        if (on != 0 && on != 1) {
          throw Settings.invalid("JAEGER_SAMPLER_PARAM", param, "0 or 1 for the const sampler");
        }
        root = on == 1 ? Sampler.alwaysOn() : Sampler.alwaysOff();
        break;
      case "probabilistic":
        root =
            Sampler.traceIdRatioBased(
                param == null ? 0.001 : Settings.parseDouble("JAEGER_SAMPLER_PARAM", param, 0, 1));
        break;
      case "ratelimiting":
        root = new RateLimitingSampler(perSecond("JAEGER_SAMPLER_PARAM", param == null ? "1" : param));
        break;
      default: // remote
        String hostPort = settings.get("JAEGER_SAMPLER_MANAGER_HOST_PORT", "localhost:5779");
        URI endpoint = Settings.httpUrl("JAEGER_SAMPLER_MANAGER_HOST_PORT", "http://" + hostPort);
        refuseHttpSamplingPort("JAEGER_SAMPLER_MANAGER_HOST_PORT", hostPort, endpoint);
        double initial = param == null ? 0.001 : Settings.parseDouble("JAEGER_SAMPLER_PARAM", param, 0, 1);
        root = remote("JAEGER_SAMPLER_TYPE", endpoint.toString(), serviceName, Duration.ofMinutes(1), initial, started);
    }
    // Jaeger clients always honoured the caller's decision; so does the parent-based wrapper.
    return Sampler.parentBased(root);
  }

  private static Sampler otelSampler(Settings settings, String serviceName, List<AutoCloseable> started) {
    String name = settings.oneOf("OTEL_TRACES_SAMPLER", "parentbased_always_on", SAMPLERS);
    String arg = settings.get("OTEL_TRACES_SAMPLER_ARG");
    boolean parentBased = name.startsWith("parentbased_");
    String base = parentBased ? name.substring("parentbased_".length()) : name;
    // A rate limit or a remote strategy deciding per span would cut traces apart: a child would be dropped
    // under a sampled parent whenever the limit is reached. Jaeger clients always honoured the parent's
    // decision for these, and so does obs4j, with or without the parentbased_ prefix.
    parentBased = parentBased || base.equals("ratelimiting") || base.equals("jaeger_remote");
    Sampler root;
    switch (base) {
      case "always_on":
        root = Sampler.alwaysOn();
        break;
      case "always_off":
        root = Sampler.alwaysOff();
        break;
      case "traceidratio":
        root =
            Sampler.traceIdRatioBased(
                arg == null ? 1.0 : Settings.parseDouble("OTEL_TRACES_SAMPLER_ARG", arg, 0, 1));
        break;
      case "ratelimiting":
        root = new RateLimitingSampler(perSecond("OTEL_TRACES_SAMPLER_ARG", arg == null ? "1" : arg));
        break;
      default: // jaeger_remote
        Map<String, String> args = remoteArgs(arg);
        String endpoint = args.getOrDefault("endpoint", "http://localhost:5779");
        refuseHttpSamplingPort("OTEL_TRACES_SAMPLER_ARG", arg == null ? endpoint : arg,
            Settings.httpUrl("OTEL_TRACES_SAMPLER_ARG", endpoint));
        long pollMs =
            Settings.parseInt(
                "OTEL_TRACES_SAMPLER_ARG", args.getOrDefault("pollingIntervalMs", "60000"), 100, Integer.MAX_VALUE);
        double initial =
            Settings.parseDouble(
                "OTEL_TRACES_SAMPLER_ARG", args.getOrDefault("initialSamplingRate", "0.001"), 0, 1);
        root = remote("OTEL_TRACES_SAMPLER", endpoint, serviceName, Duration.ofMillis(pollMs), initial, started);
    }
    return parentBased ? Sampler.parentBased(root) : root;
  }

  /**
   * Jaeger serves sampling strategies over HTTP on 5778 (what jaeger-client's
   * {@code JAEGER_SAMPLER_MANAGER_HOST_PORT} pointed at) and over gRPC on 5779 (what OpenTelemetry's remote
   * sampler speaks). A migrated 5778 would fail every poll and leave the service on the initial rate
   * forever, so it fails the build instead, naming the setting.
   */
  private static void refuseHttpSamplingPort(String setting, String value, URI endpoint) {
    if (endpoint.getPort() == 5778) {
      throw new dev.obs4j.ObsConfigException(
          setting,
          setting + "=" + value + " points at port 5778, Jaeger's HTTP sampling endpoint (jaeger-client's"
              + " default); obs4j's remote sampler speaks gRPC, which Jaeger serves on 5779: use host:5779");
    }
  }

  private static double perSecond(String setting, String value) {
    double perSecond = Settings.parseDouble(setting, value, 0, 1_000_000);
    if (perSecond <= 0) {
      throw Settings.invalid(setting, value, "a number of traces per second above 0");
    }
    return perSecond;
  }

  private static Map<String, String> remoteArgs(String arg) {
    Map<String, String> out = new LinkedHashMap<>();
    if (arg == null) {
      return out;
    }
    for (String pair : arg.split(",", -1)) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? "" : pair.substring(0, eq).trim();
      if (!Set.of("endpoint", "pollingIntervalMs", "initialSamplingRate").contains(key)) {
        throw Settings.invalid(
            "OTEL_TRACES_SAMPLER_ARG",
            arg,
            "endpoint=URL,pollingIntervalMs=N,initialSamplingRate=R for jaeger_remote (got '" + pair + "')");
      }
      out.put(key, pair.substring(eq + 1).trim());
    }
    return out;
  }

  private static Sampler remote(
      String setting,
      String endpoint,
      String serviceName,
      Duration poll,
      double initialRate,
      List<AutoCloseable> started) {
    try {
      JaegerRemoteSampler sampler =
          JaegerRemoteSampler.builder()
              .setEndpoint(endpoint)
              .setServiceName(serviceName)
              .setPollingInterval(poll)
              .setInitialSampler(Sampler.traceIdRatioBased(initialRate))
              .build();
      started.add(sampler);
      return sampler;
    } catch (RuntimeException | LinkageError e) {
      throw new ObsConfigException(
          setting,
          "The Jaeger remote sampler (setting "
              + setting
              + ") speaks gRPC and needs a gRPC sender on the class path, e.g."
              + " io.opentelemetry:opentelemetry-exporter-sender-okhttp: "
              + e,
          e);
    }
  }

  // ---- exporters ----

  /** Exporters by name (jaeger, otlp, logging); empty for none. */
  public static Map<String, SpanExporter> exporters(
      Settings settings, Resource resource, SelfMetrics metrics) {
    List<String> names = settings.listOf("OTEL_TRACES_EXPORTER", "jaeger", EXPORTERS);
    if (names.contains("none") && names.size() > 1) {
      throw Settings.invalid(
          "OTEL_TRACES_EXPORTER", String.join(",", names), "'none' alone, or a list of jaeger, otlp, logging");
    }
    // Parse every exporter's settings first, so that a bad value fails before anything starts.
    String host = settings.get("JAEGER_AGENT_HOST", "localhost");
    int port = settings.intInRange("JAEGER_AGENT_PORT", 6831, 1, 65535);
    Duration timeout = settings.millis("OTEL_EXPORTER_OTLP_TIMEOUT", Duration.ofSeconds(10), 1, 600_000);
    // OTLP settings are checked even when otlp is not chosen: a typo should not wait for the day it is.
    String[] otlpTarget = otlpTarget(settings);
    OtlpOptions otlpOptions = OtlpOptions.parse(settings, timeout);
    Map<String, SpanExporter> out = new LinkedHashMap<>();
    try {
      for (String name : names) {
        switch (name) {
          case "jaeger":
            out.put(name, new JaegerUdpSpanExporter(host, port, resource, metrics));
            break;
          case "otlp":
            out.put(name, otlp(otlpTarget, otlpOptions));
            break;
          case "logging":
            out.put(name, LoggingSpanExporter.create());
            break;
          default: // none
        }
      }
    } catch (RuntimeException | Error e) {
      out.values().forEach(SpanExporter::shutdown); // one that built leaves no socket behind
      throw e;
    }
    return out;
  }

  /** {protocol setting name, protocol, endpoint}. */
  private static String[] otlpTarget(Settings settings) {
    String protocolSetting =
        settings.isSet("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
            ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
            : "OTEL_EXPORTER_OTLP_PROTOCOL";
    String protocol = settings.oneOf(protocolSetting, "http/protobuf", OTLP_PROTOCOLS);
    boolean grpc = protocol.equals("grpc");
    String endpoint;
    if (settings.isSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
      endpoint = settings.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "");
      Settings.httpUrl("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint);
    } else {
      String base =
          settings.get("OTEL_EXPORTER_OTLP_ENDPOINT", grpc ? "http://localhost:4317" : "http://localhost:4318");
      Settings.httpUrl("OTEL_EXPORTER_OTLP_ENDPOINT", base);
      endpoint = grpc ? base : (base.endsWith("/") ? base : base + "/") + "v1/traces";
    }
    return new String[] {protocolSetting, protocol, endpoint};
  }

  private static SpanExporter otlp(String[] target, OtlpOptions options) {
    String protocolSetting = target[0];
    boolean grpc = target[1].equals("grpc");
    String endpoint = target[2];
    if (!grpc) {
      // Built on the first export: the JDK sender is always on the class path and the endpoint was checked.
      return new DeferredSpanExporter(
          "OtlpHttpSpanExporter{endpoint=" + endpoint + "}",
          () -> options.applyTo(OtlpHttpSpanExporter.builder().setEndpoint(endpoint)).build());
    }
    try {
      return options.applyTo(OtlpGrpcSpanExporter.builder().setEndpoint(endpoint)).build();
    } catch (RuntimeException | LinkageError e) {
      throw new ObsConfigException(
          protocolSetting,
          "OTLP over gRPC (setting "
              + protocolSetting
              + "=grpc) needs a gRPC sender on the class path, e.g."
              + " io.opentelemetry:opentelemetry-exporter-sender-okhttp; or use http/protobuf, which runs on"
              + " the JDK's HTTP client: "
              + e,
          e);
    }
  }

  /**
   * The OTLP exporter's settings beyond its address, as the OpenTelemetry specification names them, each
   * {@code OTEL_EXPORTER_OTLP_TRACES_*} one over its {@code OTEL_EXPORTER_OTLP_*} twin: headers (an
   * authenticated collector's API key), compression, the certificates to trust, and a client key and
   * certificate for mutual TLS. Read and checked when the handle is built, files included; header values
   * are never repeated in a message, since they are usually secrets.
   */
  record OtlpOptions(
      Map<String, String> headers,
      boolean gzip,
      byte @org.jspecify.annotations.Nullable [] trusted,
      byte @org.jspecify.annotations.Nullable [] clientKey,
      byte @org.jspecify.annotations.Nullable [] clientCertificate,
      Duration timeout) {

    static OtlpOptions parse(Settings settings, Duration timeout) {
      String headersSetting = traces(settings,
          "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS");
      Map<String, String> headers = new LinkedHashMap<>();
      String rawHeaders = settings.get(headersSetting);
      if (rawHeaders != null) {
        for (String pair : rawHeaders.split(",", -1)) {
          if (pair.isBlank()) {
            continue;
          }
          int eq = pair.indexOf('=');
          String name = eq < 0 ? "" : pair.substring(0, eq).trim();
          if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            throw new ObsConfigException(
                headersSetting,
                "Invalid " + headersSetting + ": expected comma-separated name=value pairs with header names"
                    + " of letters, digits and !#$%&'*+.^_`|~- (values percent-encoded); values are not"
                    + " repeated here");
          }
          String value;
          try {
            value = Settings.percentDecode(pair.substring(eq + 1).trim());
          } catch (IllegalArgumentException badEscape) {
            throw new ObsConfigException(
                headersSetting, "Invalid " + headersSetting + ": the value of header '" + name + "' has a bad % escape");
          }
          if (!value.chars().allMatch(c -> c == '\t' || (c >= 0x20 && c != 0x7f))) {
            throw new ObsConfigException(
                headersSetting, "Invalid " + headersSetting + ": the value of header '" + name + "' decodes to a control character");
          }
          headers.put(name, value);
        }
      }
      String compressionSetting = traces(settings,
          "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION");
      boolean gzip = settings.oneOf(compressionSetting, "none", Set.of("gzip", "none")).equals("gzip");
      byte[] trusted = file(settings, traces(settings,
          "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"));
      String keySetting = traces(settings,
          "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY");
      String certificateSetting = traces(settings,
          "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE");
      byte[] clientKey = file(settings, keySetting);
      byte[] clientCertificate = file(settings, certificateSetting);
      if ((clientKey == null) != (clientCertificate == null)) {
        throw new ObsConfigException(
            clientKey == null ? keySetting : certificateSetting,
            (clientKey == null ? certificateSetting + " is set but " + keySetting
                : keySetting + " is set but " + certificateSetting)
                + " is not: mutual TLS takes the client's key and certificate, both or neither");
      }
      return new OtlpOptions(Map.copyOf(headers), gzip, trusted, clientKey, clientCertificate, timeout);
    }

    /**
     * The signal-specific name when that one is set, else the general one (both written out, so that the
     * settings table's test finds every name the code reads).
     */
    private static String traces(Settings settings, String specific, String general) {
      return settings.isSet(specific) ? specific : general;
    }

    /** The bytes of the PEM file {@code setting} names, or null when it is not set. */
    private static byte @org.jspecify.annotations.Nullable [] file(Settings settings, String setting) {
      String path = settings.get(setting);
      if (path == null) {
        return null;
      }
      try {
        byte[] bytes = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(path));
        if (!new String(bytes, java.nio.charset.StandardCharsets.US_ASCII).contains("-----BEGIN ")) {
          throw new ObsConfigException(setting, "Invalid " + setting + ": " + path + " is not a PEM file");
        }
        return bytes;
      } catch (java.io.IOException | RuntimeException e) {
        if (e instanceof ObsConfigException config) {
          throw config;
        }
        throw new ObsConfigException(setting, "Cannot read " + setting + " (" + path + "): " + e, e);
      }
    }

    OtlpHttpSpanExporterBuilder applyTo(OtlpHttpSpanExporterBuilder builder) {
      builder.setTimeout(timeout).setCompression(gzip ? "gzip" : "none");
      headers.forEach(builder::addHeader);
      if (trusted != null) {
        builder.setTrustedCertificates(trusted);
      }
      if (clientKey != null && clientCertificate != null) {
        builder.setClientTls(clientKey, clientCertificate);
      }
      return builder;
    }

    OtlpGrpcSpanExporterBuilder applyTo(OtlpGrpcSpanExporterBuilder builder) {
      builder.setTimeout(timeout).setCompression(gzip ? "gzip" : "none");
      headers.forEach(builder::addHeader);
      if (trusted != null) {
        builder.setTrustedCertificates(trusted);
      }
      if (clientKey != null && clientCertificate != null) {
        builder.setClientTls(clientKey, clientCertificate);
      }
      return builder;
    }
  }
}
