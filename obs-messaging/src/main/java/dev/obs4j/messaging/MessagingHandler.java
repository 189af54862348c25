/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging;

import dev.obs4j.Obs;
import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import dev.obs4j.internal.MeterCache;
import dev.obs4j.internal.MeterKey;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.ThrottledLogger;
import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.trace.HeaderSetter;
import dev.obs4j.trace.Propagation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The producer and consumer handling every messaging adapter goes through, over a header getter and
 * setter: a PRODUCER span on publish with the trace context and the enqueue time written into the message
 * headers; a CONSUMER span around processing whose parent is the producer span (or which links to it);
 * the queue-time, publish and process timers. Never throws because of observability.
 */
public final class MessagingHandler {
  /** The header carrying the publish time, in milliseconds since the epoch. */
  public static final String ENQUEUED_AT_HEADER = "obs4j-enqueued-at";

  static final AttributeKey<String> SYSTEM = AttributeKey.stringKey("messaging.system");
  static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
  static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
  static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
  static final AttributeKey<Long> QUEUE_TIME_MS = AttributeKey.longKey("messaging.queue.time_ms");
  static final AttributeKey<Long> BATCH_MESSAGE_COUNT = AttributeKey.longKey("messaging.batch.message_count");

  /**
   * {@code messaging.client.operation.duration}: how long a send (the publish until the broker acknowledged,
   * so its count is the enqueue rate and its failures the enqueue errors), a receive or a settle took.
   */
  public static final String CLIENT_OPERATION_DURATION = "messaging.client.operation.duration";
  private static final String CLIENT_OPERATION_HELP =
      "How long a send (until the broker acknowledged), a receive or a settle took";
  /** {@code messaging.process.duration}: how long the application's code took per message. */
  public static final String PROCESS_DURATION = "messaging.process.duration";
  /** {@code messaging.queue.time}: how long a message waited between its publish and its receive. */
  public static final String QUEUE_TIME = "messaging.queue.time";

  /** One per handler, so that its bounded set of throttled problems is counted in this Obs's registry. */
  private final ThrottledLogger log = new ThrottledLogger(LoggerFactory.getLogger("dev.obs4j.messaging"));

  /** A publish in flight. */
  public static final class Publish {
    final Operation operation;
    final String system;
    final String destination;

    Publish(Operation operation, String system, String destination) {
      this.operation = operation;
      this.system = system;
      this.destination = destination;
    }

    /** The publish's operation (its span and context). */
    public Operation operation() {
      return operation;
    }
  }

  /** A message being processed. */
  public static final class Process {
    final Operation operation;
    final String system;
    final String destination;

    Process(Operation operation, String system, String destination) {
      this.operation = operation;
      this.system = system;
      this.destination = destination;
    }

    /** The processing's operation: make it current around the handler. */
    public Operation operation() {
      return operation;
    }
  }

  private final Operations operations;
  private final Propagation propagation;
  private final Tracer tracer;
  private final MeterCache meters;
  private final boolean linkConsumers;
  private final AtomicInteger active;

  MessagingHandler(Obs obs, boolean linkConsumers) {
    this.operations = obs.operations();
    this.propagation = operations.propagation();
    this.tracer = obs.tracer();
    this.meters = ObsInternals.meters(operations);
    this.linkConsumers = linkConsumers;
    this.active = operations.active("messaging.process.active", "Messages being processed now");
    FunctionCounter.builder("obs4j.log.throttle.evicted", log, ThrottledLogger::evicted)
        .description("Problems obs4j's throttled logger stopped tracking within their interval (it keeps a bounded set)")
        .tag("logger", "dev.obs4j.messaging")
        .register(registry());
  }

  /**
   * Starts publishing one message to {@code destination} on {@code system} (e.g. {@code kafka},
   * {@code rabbitmq}); writes the trace headers of every configured propagator and
   * {@value #ENQUEUED_AT_HEADER} through {@code setter}.
   */
  public <C> Publish startPublish(
      String system, String destination, C carrier, HeaderSetter<? super C> setter) {
    return startPublish(system, destination, carrier, setter, Attributes.empty());
  }

  /**
   * As {@link #startPublish(String, String, Object, HeaderSetter)}, with the adapter's own span attributes
   * ({@code extra}, such as the message key), set before the span starts so that samplers see them.
   */
  public <C> Publish startPublish(
      String system, String destination, C carrier, HeaderSetter<? super C> setter, Attributes extra) {
    Operation operation =
        operations.start(
            Context.current(),
            "publish " + destination,
            SpanKind.PRODUCER,
            withExtra(
                Attributes.of(
                    SYSTEM, system,
                    DESTINATION, destination,
                    OPERATION_TYPE, "send",
                    OPERATION_NAME, "publish"),
                extra));
    propagation.inject(operation.context(), carrier, setter);
    try {
      setter.set(carrier, ENQUEUED_AT_HEADER, Long.toString(System.currentTimeMillis()));
    } catch (RuntimeException ignored) {
      // a carrier that takes no more headers still gets its message sent
    }
    return new Publish(operation, system, destination);
  }

  /**
   * Ends a publish: {@code error} is what failed it (null once the broker acknowledged). A failure is
   * counted as an enqueue error and logged at WARN when the client will retry, at ERROR when the message
   * is lost.
   */
  public void endPublish(Publish publish, @Nullable Throwable error, boolean willRetry) {
    try {
      if (error != null) {
        if (willRetry) {
          log.warn(
              "publish-retry-" + publish.destination,
              "Publishing to " + publish.system + " " + publish.destination + " failed and will be retried",
              error);
        } else {
          log.error(
              "publish-lost-" + publish.destination,
              "Publishing to " + publish.system + " " + publish.destination + " failed; the message is lost",
              error);
        }
      }
      operations.end(
          publish.operation,
          error,
          error != null,
          error == null ? null : error.getClass().getName(),
          timer(CLIENT_OPERATION_DURATION, CLIENT_OPERATION_HELP, publish.system, publish.destination, "send",
              "publish", error),
          null);
    } catch (RuntimeException e) {
      publish.operation.span().end();
    }
  }

  /**
   * Starts processing one received message. Its parent (or link) is the producer span found in the
   * headers; a message without usable trace headers starts a new trace and is counted in
   * {@code messaging.receive.untraced}. With {@code recordQueueTime}, the queue time is recorded now, from
   * {@code brokerTimestampMillis} when the broker gave one (else -1) or the enqueue-time header. A getter
   * that lists the message's header names ({@link HeaderGetter#of}) lets headers propagation cannot name in
   * advance (Jaeger's {@code uberctx-*} baggage) be found too.
   */
  public <C> Process startProcess(
      String system,
      String destination,
      C carrier,
      HeaderGetter<? super C> getter,
      long brokerTimestampMillis,
      boolean recordQueueTime) {
    return startProcess(system, destination, carrier, getter, brokerTimestampMillis, recordQueueTime, Attributes.empty());
  }

  /**
   * As {@link #startProcess(String, String, Object, HeaderGetter, long, boolean)}, with the adapter's own
   * span attributes ({@code extra}: partition, offset, consumer group, routing key ...), set before the span
   * starts.
   */
  public <C> Process startProcess(
      String system,
      String destination,
      C carrier,
      HeaderGetter<? super C> getter,
      long brokerTimestampMillis,
      boolean recordQueueTime,
      Attributes extra) {
    Context extracted = operations.inbound(propagation.extract(Context.root(), carrier, getter));
    SpanContext producer = Span.fromContext(extracted).getSpanContext();
    if (!producer.isValid()) {
      untracedCounter(system, destination).increment();
    }
    long queueMillis = -1;
    if (recordQueueTime) {
      queueMillis = queueTime(system, destination, brokerTimestampMillis, getter, carrier);
    }
    AttributesBuilder builder =
        Attributes.builder()
            .put(SYSTEM, system)
            .put(DESTINATION, destination)
            .put(OPERATION_TYPE, "process")
            .put(OPERATION_NAME, "process");
    if (queueMillis >= 0) {
      builder.put(QUEUE_TIME_MS, queueMillis); // at the start, with the others, so that samplers see it
    }
    Attributes attributes = builder.putAll(extra).build();
    // A linked consumer starts a trace of its own (no parent span) but keeps the rest of what came with the
    // message: its baggage, so the business fields reach the span, the log lines and downstream calls.
    Operation operation =
        linkConsumers
            ? operations.start(
                extracted.with(Span.getInvalid()), "process " + destination, SpanKind.CONSUMER, attributes, producer)
            : operations.start(extracted, "process " + destination, SpanKind.CONSUMER, attributes);
    active.incrementAndGet();
    return new Process(operation, system, destination);
  }

  /**
   * Records one receive call (a pull, such as RabbitMQ's {@code basicGet}) that brought a message, whose headers
   * {@code carrier} holds, or that failed with {@code error} ({@code carrier} null): a CONSUMER span
   * {@code receive <destination>} from {@code startNanos} ({@link System#nanoTime()} before the call) to now,
   * child of the current context and linked to the message's producer span, as OpenTelemetry records a
   * receive; and the message's queue time. A call that brought nothing is not worth a span and is not
   * recorded.
   */
  public <C> void received(
      String system,
      String destination,
      Attributes attributes,
      long startNanos,
      @Nullable C carrier,
      HeaderGetter<? super C> getter,
      long brokerTimestampMillis,
      @Nullable Throwable error) {
    try {
      SpanContext producer = SpanContext.getInvalid();
      if (carrier != null) {
        producer = Span.fromContext(propagation.extract(Context.root(), carrier, getter)).getSpanContext();
        if (!producer.isValid()) {
          untracedCounter(system, destination).increment();
        }
        queueTime(system, destination, brokerTimestampMillis, getter, carrier);
      }
      Operation operation =
          operations.startedAt(
              Context.current(),
              "receive " + destination,
              SpanKind.CONSUMER,
              Attributes.builder()
                  .putAll(attributes)
                  .put(SYSTEM, system)
                  .put(DESTINATION, destination)
                  .put(OPERATION_TYPE, "receive")
                  .put(OPERATION_NAME, "receive")
                  .build(),
              producer,
              startNanos);
      operations.end(operation, error, error != null, error == null ? null : error.getClass().getName(),
          timer(CLIENT_OPERATION_DURATION, CLIENT_OPERATION_HELP, system, destination, "receive", "receive", error),
          null);
    } catch (RuntimeException ignored) {
      // never fail the receive because of observability
    }
  }

  /**
   * Records how long a message stayed in the queue, at the moment it is received: now minus the broker's
   * timestamp ({@code brokerTimestampMillis}, or -1 when it has none) or the enqueue-time header. Returns
   * the milliseconds recorded, or -1 when the message carries no time, or a time later than now: that is
   * counted in {@code messaging.queue.time.negative} (clock skew between the hosts), never recorded as 0.
   */
  public <C> long queueTime(
      String system, String destination, long brokerTimestampMillis, HeaderGetter<? super C> getter, C carrier) {
    try {
      long enqueued = brokerTimestampMillis;
      if (enqueued < 0) {
        String header = getter.get(carrier, ENQUEUED_AT_HEADER);
        if (header != null) {
          enqueued = Long.parseLong(header.trim());
        }
      }
      if (enqueued < 0) {
        return -1;
      }
      long millis = System.currentTimeMillis() - enqueued;
      if (millis < 0) {
        // The clocks of the producer (or broker) and this host disagree: counted, never recorded as 0.
        negativeCounter(system, destination).increment();
        return -1;
      }
      Timer timer = queueTimer(system, destination);
      timer.record(millis, TimeUnit.MILLISECONDS);
      return millis;
    } catch (RuntimeException malformed) {
      return -1; // a malformed enqueue-time header is ignored, never thrown
    }
  }

  /**
   * Records one receive call that returned {@code messages} (a Kafka poll, say), begun at {@code startNanos}
   * ({@link System#nanoTime()} before the call): its duration in {@value #CLIENT_OPERATION_DURATION} with
   * {@code messaging.operation.type=receive}, and, with {@code span}, a CONSUMER span named
   * {@code "<operationName> <destination>"} (just the operation when the messages came from several
   * destinations: {@code destination} null) from then to now, under the current context, with
   * {@code messaging.batch.message_count} and a link to each message's producer span (the tracer's link limit
   * applies). Call it only when messages came back.
   */
  public <C> void recordReceive(
      String system,
      String operationName,
      @Nullable String destination,
      Collection<? extends C> messages,
      HeaderGetter<? super C> getter,
      long startNanos,
      Attributes extra,
      boolean span) {
    try {
      Timer timer =
          timer(CLIENT_OPERATION_DURATION, CLIENT_OPERATION_HELP, system, destination == null ? "" : destination,
              "receive", operationName, null);
      long elapsed = Math.max(0, System.nanoTime() - startNanos);
      if (!span) {
        timer.record(elapsed, TimeUnit.NANOSECONDS);
        return;
      }
      List<SpanContext> producers = new ArrayList<>(messages.size());
      for (C message : messages) {
        SpanContext producer = Span.fromContext(propagation.extract(Context.root(), message, getter)).getSpanContext();
        if (producer.isValid()) {
          producers.add(producer);
        }
      }
      Instant now = Instant.now();
      SpanBuilder builder =
          tracer
              .spanBuilder(destination == null ? operationName : operationName + " " + destination)
              .setSpanKind(SpanKind.CONSUMER)
              .setStartTimestamp(
                  TimeUnit.SECONDS.toNanos(now.getEpochSecond()) + now.getNano() - elapsed, TimeUnit.NANOSECONDS)
              .setAttribute(SYSTEM, system)
              .setAttribute(OPERATION_TYPE, "receive")
              .setAttribute(OPERATION_NAME, operationName)
              .setAttribute(BATCH_MESSAGE_COUNT, (long) messages.size())
              .setAllAttributes(extra);
      if (destination != null) {
        builder.setAttribute(DESTINATION, destination);
      }
      producers.forEach(builder::addLink);
      Span receive = builder.startSpan();
      try (Scope ignored = receive.makeCurrent()) { // current, so the bucket's exemplar links this span
        timer.record(elapsed, TimeUnit.NANOSECONDS);
      } finally {
        receive.end();
      }
    } catch (RuntimeException ignored) {
      // never fail the poll because of observability
    }
  }

  /**
   * Records one settle call begun at {@code startNanos} ({@link System#nanoTime()} before the call): an
   * acknowledgement, a negative one or a rejection ({@code operationName} {@code ack}, {@code nack},
   * {@code reject}) or an offset commit ({@code commit}), for messages of {@code destination} (null when
   * unknown or several), in {@value #CLIENT_OPERATION_DURATION} with {@code messaging.operation.type=settle}
   * and the failure's {@code error.type}. No span: OpenTelemetry's instrumentation of these clients records
   * none, and a span per acknowledgement would double the spans of every consumer.
   */
  public void settled(
      String system, @Nullable String destination, String operationName, long startNanos, @Nullable Throwable error) {
    try {
      timer(CLIENT_OPERATION_DURATION, CLIENT_OPERATION_HELP, system, destination == null ? "" : destination,
          "settle", operationName, error)
          .record(Math.max(0, System.nanoTime() - startNanos), TimeUnit.NANOSECONDS);
    } catch (RuntimeException ignored) {
      // never fail the acknowledgement because of observability
    }
  }

  /**
   * The header names {@link #startPublish} writes: every configured propagator's fields and
   * {@value #ENQUEUED_AT_HEADER}, in lower case. An adapter that sends a copy of a message removes them
   * first, so that no header of an earlier send travels on.
   */
  public Collection<String> headerNames() {
    List<String> names = new ArrayList<>(propagation.fields());
    names.add(ENQUEUED_AT_HEADER);
    return names;
  }

  private static Attributes withExtra(Attributes attributes, Attributes extra) {
    return extra.isEmpty() ? attributes : attributes.toBuilder().putAll(extra).build();
  }

  /** Code run for one message inside its CONSUMER span. */
  @FunctionalInterface
  public interface Body<E extends Exception> {
    /** Handles the message. */
    void run() throws E;
  }

  /**
   * Runs {@code body} with {@code process} current, then ends the processing with what {@code body} threw
   * (rethrown unchanged), so every adapter handles a message the same way.
   */
  public <E extends Exception> void run(Process process, Body<E> body) throws E {
    Throwable error = null;
    try (Scope ignored = process.operation().makeCurrent()) {
      body.run();
    } catch (Throwable t) {
      error = t;
      throw t;
    } finally {
      endProcess(process, error);
    }
  }

  /** Ends processing: {@code error} is what the handler threw, if anything. */
  public void endProcess(Process process, @Nullable Throwable error) {
    active.decrementAndGet();
    try {
      Runnable logLine =
          error == null
              ? null
              : () ->
                  log.error(
                      "process-" + process.destination,
                      "Processing a message from " + process.system + " " + process.destination + " failed",
                      error);
      operations.end(
          process.operation,
          error,
          error != null,
          error == null ? null : error.getClass().getName(),
          timer(PROCESS_DURATION, "How long processing a message took", process.system,
              process.destination, "process", "process", error),
          logLine);
    } catch (RuntimeException e) {
      process.operation.span().end();
    }
  }

  /**
   * The timer of one operation outcome, tagged as OpenTelemetry's messaging metrics are
   * ({@code messaging.system}, {@code messaging.destination.name}, {@code messaging.operation.type},
   * {@code messaging.operation.name}, {@code error.type}: the exception's class, empty when the operation
   * succeeded, which Prometheus reads as absent) and with obs4j's {@code outcome} ({@code success} or
   * {@code failure}) as every obs4j timer has.
   */
  private Timer timer(
      String name, String description, String system, String destination, String operationType,
      String operationName, @Nullable Throwable error) {
    String errorType = error == null ? "" : error.getClass().getName();
    return meters.get(
        MeterKey.of(name, system, destination, operationType, operationName, errorType), // name: a constant
        key ->
            Timer.builder(name)
                .description(description)
                .tags(Tags.of(
                    "messaging.system", key.tag(0),
                    "messaging.destination.name", key.tag(1),
                    "messaging.operation.type", key.tag(2),
                    "messaging.operation.name", key.tag(3),
                    "error.type", key.tag(4),
                    "outcome", key.tag(4).isEmpty() ? "success" : "failure"))
                .publishPercentileHistogram()
                .register(registry()));
  }

  /** {@value #QUEUE_TIME}, tagged as it always was (its operation is the receive, its outcome success). */
  private Timer queueTimer(String system, String destination) {
    return meters.get(
        MeterKey.of(QUEUE_TIME, system, destination),
        key ->
            Timer.builder(QUEUE_TIME)
                .description("How long a message stayed in the queue")
                .tags(Tags.of(
                    "messaging.system", key.tag(0),
                    "messaging.destination.name", key.tag(1),
                    "messaging.operation.name", "receive",
                    "outcome", "success"))
                .publishPercentileHistogram()
                .register(registry()));
  }

  private Counter untracedCounter(String system, String destination) {
    return meters.get(
        MeterKey.of(UNTRACED_COUNTER, system, destination),
        key ->
            Counter.builder(UNTRACED_COUNTER)
                .description("Messages received without usable trace headers (a new trace was started)")
                .tags("messaging.system", key.tag(0), "messaging.destination.name", key.tag(1))
                .register(registry()));
  }

  private Counter negativeCounter(String system, String destination) {
    return meters.get(
        MeterKey.of(NEGATIVE_QUEUE_TIME_COUNTER, system, destination),
        key ->
            Counter.builder(NEGATIVE_QUEUE_TIME_COUNTER)
                .description("Messages whose enqueue time was later than their receive time (clock skew); no queue "
                    + "time is recorded for them")
                .tags("messaging.system", key.tag(0), "messaging.destination.name", key.tag(1))
                .register(registry()));
  }

  private MeterRegistry registry() {
    return operations.registry();
  }

  private static final String UNTRACED_COUNTER = "messaging.receive.untraced";
  private static final String NEGATIVE_QUEUE_TIME_COUNTER = "messaging.queue.time.negative";
}
