/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import dev.obs4j.Secrets;
import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.trace.HeaderSetter;
import dev.obs4j.trace.SpanErrors;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server and the client interceptor share: the lifecycle, the {@code rpc.*} attributes, the status
 * mapping, the metadata getter and setter, and the timers. The interceptors only follow grpc-java's call
 * shapes.
 */
final class GrpcTelemetry {
  private static final Logger log = LoggerFactory.getLogger("dev.obs4j.grpc.server");

  static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  static final AttributeKey<Long> RPC_GRPC_STATUS_CODE = AttributeKey.longKey("rpc.grpc.status_code");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");
  static final AttributeKey<String> MESSAGE_TYPE = AttributeKey.stringKey("rpc.message.type");
  static final AttributeKey<Long> MESSAGE_ID = AttributeKey.longKey("rpc.message.id");
  static final String MESSAGE_EVENT = "rpc.message";

  static final String SERVER_TIMER = "rpc.server.duration";
  static final String CLIENT_TIMER = "rpc.client.duration";

  /**
   * The codes that fail a SERVER span, as OpenTelemetry's gRPC conventions say: the server's own faults.
   * The others (NOT_FOUND, INVALID_ARGUMENT, CANCELLED ...) are the caller's business. A CLIENT span fails on
   * every code but OK.
   */
  static final Set<Status.Code> SERVER_ERRORS =
      EnumSet.of(
          Status.Code.UNKNOWN,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNIMPLEMENTED,
          Status.Code.INTERNAL,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  /** Metadata keys are lower case already; binary ({@code -bin}) entries are never trace headers. */
  static final HeaderGetter<Metadata> GETTER =
      HeaderGetter.ignoringCase(
          (metadata, name) ->
              name.endsWith(Metadata.BINARY_HEADER_SUFFIX)
                  ? null
                  : metadata.get(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER)),
          Metadata::keys);

  /** Replaces any value the caller's code put under the same name, so the server reads this call's context. */
  static final HeaderSetter<Metadata> SETTER =
      (metadata, name, value) -> {
        Metadata.Key<String> key = Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
        metadata.discardAll(key);
        metadata.put(key, value);
      };

  /** Beyond this many methods the timers are looked up in the registry each time, behind its guard. */
  private static final int CACHED_METHODS = 2_000;

  private static final String[] CODE_TAGS = new String[Status.Code.values().length];

  static {
    for (Status.Code code : Status.Code.values()) {
      CODE_TAGS[code.ordinal()] = Integer.toString(code.value());
    }
  }

  private final ObsGrpc config;
  private final Operations operations;
  private final Duration[] objectives;
  private final ConcurrentMap<String, Timer[]> serverTimers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Timer[]> clientTimers = new ConcurrentHashMap<>();

  GrpcTelemetry(ObsGrpc config) {
    this.config = config;
    this.operations = config.obs().operations();
    this.objectives = config.serviceLevelObjectives().toArray(new Duration[0]);
  }

  Operations operations() {
    return operations;
  }

  boolean messageEvents() {
    return config.messageEvents();
  }

  /** The {@code rpc.*} attributes known when the call starts, straight onto a span that records. */
  static void setMethodAttributes(Span span, MethodDescriptor<?, ?> method) {
    span.setAttribute(RPC_SYSTEM, "grpc");
    String service = method.getServiceName();
    if (service != null) {
      span.setAttribute(RPC_SERVICE, service);
    }
    span.setAttribute(RPC_METHOD, method(method));
  }

  /** The method's name without its service ({@code GetOrder} of {@code shop.Orders/GetOrder}). */
  static String method(MethodDescriptor<?, ?> method) {
    String bare = method.getBareMethodName();
    return bare == null ? method.getFullMethodName() : bare;
  }

  /** {@code server.address} and {@code server.port} from an authority ({@code host:port}, {@code [::1]:443}). */
  static void setServer(Span span, @Nullable String authority) {
    if (authority == null || authority.isEmpty()) {
      return;
    }
    int colon = authority.lastIndexOf(':');
    String host = authority;
    if (colon > 0 && colon > authority.lastIndexOf(']')) {
      String port = authority.substring(colon + 1);
      if (!port.isEmpty() && port.chars().allMatch(c -> c >= '0' && c <= '9') && port.length() <= 5) {
        span.setAttribute(SERVER_PORT, Long.parseLong(port));
        host = authority.substring(0, colon);
      }
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    span.setAttribute(SERVER_ADDRESS, host);
  }

  /** The host of an authority, for the outbound host list of the business fields. */
  static @Nullable String host(@Nullable String authority) {
    if (authority == null) {
      return null;
    }
    int colon = authority.lastIndexOf(':');
    String host = colon > 0 && colon > authority.lastIndexOf(']') ? authority.substring(0, colon) : authority;
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /** {@code network.peer.address} and {@code network.peer.port} from a transport's remote address. */
  static void setPeer(Span span, Attributes transport) {
    SocketAddress remote = transport.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    if (remote instanceof InetSocketAddress) {
      InetSocketAddress inet = (InetSocketAddress) remote;
      span.setAttribute(
          PEER_ADDRESS, inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString());
      span.setAttribute(PEER_PORT, (long) inet.getPort());
    }
  }

  /**
   * Ends a call with {@code status}: the status code on the span, status ERROR and {@code error.type} (the
   * code's name, or the class of what the application threw) when the call failed by this side's rule, the
   * timer, and for a failed server call an ERROR log line with the trace id.
   */
  void end(
      Operation operation, MethodDescriptor<?, ?> method, boolean server, Status status, @Nullable Throwable thrown) {
    try {
      Span span = operation.span();
      Status.Code code = status.getCode();
      span.setAttribute(RPC_GRPC_STATUS_CODE, (long) code.value());
      boolean failed = thrown != null || (server ? SERVER_ERRORS.contains(code) : code != Status.Code.OK);
      Throwable cause = thrown != null ? null : status.getCause();
      if (failed && cause != null) {
        SpanErrors.recordException(span, cause); // an event; error.type stays the status code
      }
      Runnable logLine =
          server && failed
              ? () -> logFailure(method, status, thrown, operation.traceId())
              : null;
      operations.end(operation, thrown, failed, failed ? code.name() : null, timer(method, server, code), logLine);
    } catch (RuntimeException e) {
      operation.span().end(); // never fail the call because of observability
    }
  }

  private static void logFailure(
      MethodDescriptor<?, ?> method, Status status, @Nullable Throwable thrown, String traceId) {
    String description = status.getDescription();
    if (thrown != null) {
      log.error(
          "{} failed with {} ({}: {}) trace_id={}",
          method.getFullMethodName(),
          status.getCode(),
          thrown.getClass().getName(),
          thrown.getMessage() == null ? null : Secrets.mask(thrown.getMessage()),
          traceId,
          thrown);
    } else {
      log.error(
          "{} answered {}{} trace_id={}",
          method.getFullMethodName(),
          status.getCode(),
          description == null ? "" : " (" + Secrets.mask(description) + ")",
          traceId);
    }
  }

  /** The timer for a method and a status code: one array of timers per method, built as codes occur. */
  Timer timer(MethodDescriptor<?, ?> method, boolean server, Status.Code code) {
    ConcurrentMap<String, Timer[]> cache = server ? serverTimers : clientTimers;
    String name = method.getFullMethodName();
    Timer[] timers = cache.get(name);
    if (timers == null) {
      timers = new Timer[CODE_TAGS.length];
      if (cache.size() < CACHED_METHODS) {
        Timer[] raced = cache.putIfAbsent(name, timers);
        if (raced != null) {
          timers = raced;
        }
      }
    }
    Timer timer = timers[code.ordinal()];
    if (timer == null) {
      timer = register(method, server, code);
      timers[code.ordinal()] = timer; // a race registers the same meter twice: Micrometer returns one
    }
    return timer;
  }

  private Timer register(MethodDescriptor<?, ?> method, boolean server, Status.Code code) {
    String service = method.getServiceName();
    Timer.Builder builder =
        Timer.builder(server ? SERVER_TIMER : CLIENT_TIMER)
            .description(server ? "gRPC calls served" : "gRPC calls sent")
            .tags(
                Tags.of(
                    "rpc.system", "grpc",
                    "rpc.service", service == null ? "_OTHER" : service,
                    "rpc.method", method(method),
                    "rpc.grpc.status_code", CODE_TAGS[code.ordinal()]));
    if (config.percentileHistogram()) {
      builder.publishPercentileHistogram();
    }
    if (objectives.length > 0) {
      builder.serviceLevelObjectives(objectives);
    }
    return builder.register(operations.registry());
  }
}
