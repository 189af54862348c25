/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.instrument;

import dev.obs4j.ObsContext;
import dev.obs4j.internal.MeterCache;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.OperationState;
import dev.obs4j.internal.logs.LogCorrelation;
import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.trace.Propagation;
import dev.obs4j.trace.SpanErrors;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The one lifecycle every obs4j integration goes through, so that spans, metrics and log lines never
 * disagree: {@link #start} extracts the parent, starts the span and (for server and consumer operations)
 * takes the business fields that came in baggage; {@link #end} records the outcome the same way everywhere,
 * stops the timer with the span current (so the histogram bucket carries the trace id as exemplar), and
 * ends the span. HTTP, JDBC and messaging supply only names, attributes and tags.
 *
 * <p>Obtained from {@code Obs.operations()}. Never throws on the request path.
 */
public final class Operations {
  static {
    ObsInternals.setOperations(Operations::new, operations -> operations.meters);
  }

  private final Tracer tracer;
  private final Propagation propagation;
  private final MeterRegistry registry;
  private final List<String> contextFields;
  private final String serviceName;
  private final boolean acceptInboundFields;
  private final List<String> fieldHosts;
  private final ConcurrentMap<String, AtomicInteger> active = new ConcurrentHashMap<>();
  private final MeterCache meters;

  /**
   * Built by {@code Obs}; integrations get theirs from {@code obs.operations()}. {@code acceptInboundFields}:
   * whether business fields that arrive as baggage are taken ({@code OBS4J_CONTEXT_ACCEPT_INBOUND});
   * {@code fieldHosts}: the hosts outgoing calls may send them to, empty for any
   * ({@code OBS4J_CONTEXT_PROPAGATE_HOSTS}; {@code .example.com} matches its subdomains).
   */
  private Operations(
      Tracer tracer,
      Propagation propagation,
      MeterRegistry registry,
      MeterCache meters,
      List<String> contextFields,
      String serviceName,
      boolean acceptInboundFields,
      List<String> fieldHosts) {
    this.tracer = tracer;
    this.serviceName = serviceName;
    this.acceptInboundFields = acceptInboundFields;
    this.fieldHosts = List.copyOf(fieldHosts);
    this.propagation = propagation;
    this.registry = registry;
    this.meters = meters;
    this.contextFields = List.copyOf(contextFields);
  }

  /**
   * The in-flight counter behind gauge {@code name} (e.g. {@code http.server.requests.active}), one per
   * name for this Obs however many integrations share it.
   */
  public AtomicInteger active(String name, String description) {
    return active.computeIfAbsent(
        name,
        n -> {
          AtomicInteger count = new AtomicInteger();
          Gauge.builder(n, count, AtomicInteger::get).description(description).register(registry);
          return count;
        });
  }

  /** The registry integrations record their meters in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The propagators integrations inject and extract with. */
  public Propagation propagation() {
    return propagation;
  }

  /**
   * Starts an entry operation (SERVER or CONSUMER) whose parent comes from {@code carrier}; a malformed
   * header starts a new trace.
   */
  public <C> Operation startEntry(
      C carrier, HeaderGetter<? super C> getter, String name, SpanKind kind, Attributes attributes) {
    return start(inbound(propagation.extract(Context.root(), carrier, getter)), name, kind, attributes);
  }

  /**
   * What an entry operation takes from the caller: the extracted context, less the business fields in its
   * baggage when this service does not accept them from callers (an edge service that sets them from its
   * own authentication), so they can neither reach its spans and logs nor travel on downstream.
   */
  public Context inbound(Context extracted) {
    if (acceptInboundFields) {
      return extracted;
    }
    Baggage baggage = Baggage.fromContext(extracted);
    if (baggage.isEmpty()) {
      return extracted;
    }
    io.opentelemetry.api.baggage.BaggageBuilder builder = baggage.toBuilder();
    contextFields.forEach(builder::remove);
    return extracted.with(builder.build());
  }

  /** Whether outgoing calls to {@code host} may carry the business fields (see the constructor). */
  public boolean businessFieldsAllowed(@Nullable String host) {
    if (fieldHosts.isEmpty()) {
      return true;
    }
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(java.util.Locale.ROOT);
    for (String allowed : fieldHosts) {
      if (allowed.startsWith(".") ? h.endsWith(allowed) : h.equals(allowed)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts an operation under {@code parent}. SERVER and CONSUMER operations get a state for the route and
   * business fields, seeded from the fields in {@code OBS4J_CONTEXT_FIELDS} that arrived as baggage.
   */
  public Operation start(Context parent, String name, SpanKind kind, Attributes attributes) {
    return start(parent, name, kind, attributes, null);
  }

  /**
   * As {@link #start(Context, String, SpanKind, Attributes)}, with a link to {@code link} (a message's
   * producer span, when consumers start traces of their own).
   */
  public Operation start(
      Context parent, String name, SpanKind kind, Attributes attributes, @Nullable SpanContext link) {
    return start(parent, name, kind, attributes, link, System.nanoTime(), false);
  }

  /**
   * As {@link #start(Context, String, SpanKind, Attributes, SpanContext)} for an operation that began before
   * it could be named: at {@code startNanoTime} ({@link System#nanoTime()} then), as a receive call that
   * is only worth a span once it brought a message. The span and the timer both start there.
   */
  public Operation startedAt(
      Context parent, String name, SpanKind kind, Attributes attributes, @Nullable SpanContext link,
      long startNanoTime) {
    return start(parent, name, kind, attributes, link, startNanoTime, true);
  }

  private Operation start(
      Context parent, String name, SpanKind kind, Attributes attributes, @Nullable SpanContext link,
      long start, boolean backdated) {
    Span span;
    try {
      SpanBuilder builder =
          tracer.spanBuilder(name).setParent(parent).setSpanKind(kind).setAllAttributes(attributes);
      if (link != null && link.isValid()) {
        builder.addLink(link);
      }
      if (backdated) {
        java.time.Instant now = java.time.Instant.now();
        long nowEpochNanos = TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano();
        builder.setStartTimestamp(nowEpochNanos - Math.max(0, System.nanoTime() - start), TimeUnit.NANOSECONDS);
      }
      span = builder.startSpan();
    } catch (RuntimeException e) {
      span = Span.getInvalid();
    }
    Context context = parent.with(span);
    OperationState state = null;
    if (kind == SpanKind.SERVER || kind == SpanKind.CONSUMER) {
      state = new OperationState(span, serviceName, contextFields);
      Baggage baggage = Baggage.fromContext(parent);
      if (!baggage.isEmpty()) {
        for (String field : contextFields) {
          String value = baggage.getEntryValue(field);
          if (value != null && state.putField(field, value)) {
            span.setAttribute(ObsContext.USER_ID.equals(field) ? ObsContext.USER_ID_ATTRIBUTE : field, value);
          }
        }
      }
      context = state.storeIn(context);
    }
    // Labelled with this handle's service, so log lines inside say which Obs they belong to. An operation's
    // state carries it already: a label is added only under a parent labelled with another service.
    context = LogCorrelation.withService(context, serviceName);
    return new Operation(span, context, start, state);
  }

  /**
   * Ends {@code operation}. When {@code failed}, the span gets status ERROR with {@code error} (or, without
   * an exception, {@code errorType}, such as a status code); an {@code error} that did not fail the
   * operation (an exception mapped to a 4xx) is kept as an event only. {@code timer}, if given, records the
   * duration with the operation current; {@code inContext} (a log line, say) runs there too.
   */
  public void end(
      Operation operation,
      @Nullable Throwable error,
      boolean failed,
      @Nullable String errorType,
      @Nullable Timer timer,
      @Nullable Runnable inContext) {
    long elapsed = operation.elapsedNanos();
    Span span = operation.span();
    try {
      if (failed) {
        if (error != null) {
          SpanErrors.record(span, error);
        } else {
          SpanErrors.record(span, errorType == null ? "_OTHER" : errorType, null);
        }
      } else if (error != null) {
        SpanErrors.recordException(span, error);
      }
      if (inContext != null || (timer != null && span.getSpanContext().isSampled())) {
        // current, so the bucket's exemplar and the log line carry this trace
        try (Scope ignored = operation.makeCurrent()) {
          if (timer != null) {
            timer.record(elapsed, TimeUnit.NANOSECONDS);
          }
          if (inContext != null) {
            inContext.run();
          }
        }
      } else if (timer != null) {
        timer.record(elapsed, TimeUnit.NANOSECONDS); // unsampled: no exemplar to link, skip the context switch
      }
    } catch (RuntimeException ignored) {
      // never fail the caller because of observability
    } finally {
      span.end();
    }
  }
}
