/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.impl.LongStringHelper;
import dev.obs4j.messaging.MessagingHandler;
import dev.obs4j.messaging.Recorder;
import dev.obs4j.messaging.kafka.ObsKafka;
import dev.obs4j.messaging.queue.Envelope;
import dev.obs4j.messaging.queue.TracedQueue;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Hostile message headers, generated with a fixed seed (so a failure replays): 100,000 messages, each
 * received through one of the three adapters' real receive paths (the in-JVM queue's poll and process,
 * Kafka's {@code process} over a {@code ConsumerRecord} with real {@code RecordHeaders}, RabbitMQ's
 * delivery path with real {@code BasicProperties}, whose header values may be LongString, byte[], numbers
 * or null). Lives in the RabbitMQ package to reach that delivery path without a broker.
 *
 * <p>For each: nothing throws into the caller, the handler runs exactly once, the consumer span has
 * well-formed ids, a queue time is never negative, and what the handler publishes on to the next queue
 * carries no control character in any header name or value.
 */
class MessageHeaderFuzzTest {
  private static final int MESSAGES = 100_000;
  private static final List<String> VALID =
      List.of(
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
          "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
          "user.id=alice,tenant=acme;prop=1",
          "1796493032620",
          "alice");
  private static final String ALPHABET = "0123456789abcdefABCDEF-:;,=.%+e \t\r\n\u0000\u007f\u00e9\u2028\"'<>xyz";
  private static final String[] NAMES = {
    "traceparent", "tracestate", "baggage", "uber-trace-id", "uberctx-user.id", "b3", "X-B3-TraceId",
    "X-B3-SpanId", "X-B3-Sampled", MessagingHandler.ENQUEUED_AT_HEADER
  };

  @Test
  void hostileHeaders_onEveryAdapter_neverThrow_andNothingControlIsPublishedOn() throws Exception {
    Random random = new Random(20261206L);
    try (Recorder service = new Recorder("worker")) {
      MessagingHandler handler = service.messaging.handler();
      ObsKafka kafka = ObsKafka.create(service.messaging);
      LinkedBlockingQueue<Envelope<String>> in = new LinkedBlockingQueue<>();
      LinkedBlockingQueue<Envelope<String>> out = new LinkedBlockingQueue<>();
      TracedQueue<String> inbox = TracedQueue.create(service.messaging, "inbox", in);
      TracedQueue<String> next = TracedQueue.create(service.messaging, "next", out);
      AtomicInteger handled = new AtomicInteger();
      List<SpanContext> consumerSpans = new ArrayList<>();
      int validParents = 0;

      for (int i = 0; i < MESSAGES; i++) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : NAMES) {
          if (random.nextInt(3) > 0) {
            headers.put(random.nextInt(20) == 0 ? mutate(random, name) : name, hostile(random));
          }
        }
        int before = handled.get();
        consumerSpans.clear();
        switch (i % 3) {
          case 0 -> {
            in.add(new Envelope<>("m" + i, headers));
            assertThat(inbox.consume(Duration.ZERO, payload -> {
              handled.incrementAndGet();
              consumerSpans.add(Span.current().getSpanContext());
              next.publish(payload, Duration.ZERO);
            })).isTrue();
          }
          case 1 -> {
            RecordHeaders kafkaHeaders = new RecordHeaders();
            headers.forEach((k, v) -> kafkaHeaders.add(k, random.nextInt(10) == 0
                ? randomBytes(random) : v.getBytes(StandardCharsets.UTF_8)));
            long timestamp = random.nextInt(4) == 0 ? random.nextLong() : System.currentTimeMillis();
            ConsumerRecord<String, String> record = new ConsumerRecord<>("orders", 0, i, timestamp,
                random.nextBoolean() ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME,
                -1, -1, null, "m" + i, kafkaHeaders, Optional.empty());
            kafka.process(record, r -> {
              handled.incrementAndGet();
              consumerSpans.add(Span.current().getSpanContext());
              next.publish(r.value(), Duration.ZERO);
            });
          }
          default -> {
            Map<String, Object> amqp = new HashMap<>();
            headers.forEach((k, v) -> amqp.put(k, amqpValue(random, v)));
            AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .headers(amqp)
                .timestamp(random.nextBoolean() ? new Date(random.nextLong()) : null)
                .build();
            String payload = "m" + i;
            ObsRabbit.process(handler, "orders", io.opentelemetry.api.common.Attributes.empty(), null, properties, () -> {
              handled.incrementAndGet();
              consumerSpans.add(Span.current().getSpanContext());
              try {
                next.publish(payload, Duration.ZERO);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
              }
            });
          }
        }
        assertThat(handled.get()).as("message %d handled once", i).isEqualTo(before + 1);
        SpanContext consumer = consumerSpans.get(0);
        assertThat(consumer.getTraceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
        assertThat(consumer.getSpanId()).matches("[0-9a-f]{16}");
        if (consumer.getTraceId().equals("4bf92f3577b34da6a3ce929d0e0e4736")) {
          validParents++;
        }
        Envelope<String> published = out.poll();
        assertThat(published).isNotNull();
        published.headers().forEach((name, value) -> {
          assertThat(hasControl(name)).as("header name %s", name).isFalse();
          assertThat(hasControl(value)).as("value of %s: %s", name, value).isFalse();
        });
        if (i % 5_000 == 0) {
          service.spans.reset();
        }
      }
      // The generator also produced readable headers: the accepting paths ran, not only rejection.
      assertThat(validParents).isGreaterThan(MESSAGES / 20);
      assertThat(handled.get()).isEqualTo(MESSAGES);
      // Malformed enqueue times are skipped, not counted as a queue time of zero or of fifty years.
      long queueTimes = service.obs.meterRegistry().find("messaging.queue.time").timers().stream()
          .mapToLong(Timer::count).sum();
      assertThat(queueTimes).isPositive().isLessThan(MESSAGES);
      assertThat(service.count("messaging.process.duration", "jvm_queue", "inbox", "success")
          + service.count("messaging.process.duration", "kafka", "orders", "success")
          + service.count("messaging.process.duration", "rabbitmq", "orders", "success")).isEqualTo(MESSAGES);
    }
  }

  /**
   * True for characters no header may carry as they are. Written from the specification, not taken from
   * obs4j's own filter, so that a fault in that filter fails this test: a field value (RFC 9110, section
   * 5.5) is made of visible characters (VCHAR, 0x21-0x7E), space, tab and obs-text (bytes from 0x80, which
   * is what UTF-8 makes of any non-ASCII character); what is left is RFC 5234's CTL (0x00-0x1F and DEL,
   * 0x7F) without the tab.
   */
  private static boolean hasControl(String s) {
    return !s.chars().allMatch(c -> (c >= 0x21 && c <= 0x7e) || c == ' ' || c == '\t' || c >= 0x80);
  }

  /** How AMQP clients hand header values over: LongString mostly, byte[] from some, anything from others. */
  private static Object amqpValue(Random random, String value) {
    return switch (random.nextInt(8)) {
      case 0 -> value.getBytes(StandardCharsets.UTF_8);
      case 1 -> random.nextLong();
      case 2 -> List.of(value);
      case 3 -> randomBytes(random);
      default -> LongStringHelper.asLongString(value);
    };
  }

  private static byte[] randomBytes(Random random) {
    byte[] bytes = new byte[random.nextInt(80)];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String mutate(Random random, String s) {
    StringBuilder mutated = new StringBuilder(s);
    int at = random.nextInt(mutated.length());
    mutated.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    return mutated.toString();
  }

  /** A valid value mutated, random characters from a hostile alphabet, or an oversized value. */
  private static String hostile(Random random) {
    int kind = random.nextInt(10);
    if (kind < 4) {
      return VALID.get(random.nextInt(VALID.size()));
    }
    if (kind < 8) {
      StringBuilder mutated = new StringBuilder(VALID.get(random.nextInt(VALID.size())));
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits && mutated.length() > 0; e++) {
        int at = random.nextInt(mutated.length());
        char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        switch (random.nextInt(3)) {
          case 0 -> mutated.setCharAt(at, c);
          case 1 -> mutated.insert(at, c);
          default -> mutated.deleteCharAt(at);
        }
      }
      return mutated.toString();
    }
    int length = kind == 8 ? random.nextInt(64) : 4096 + random.nextInt(8192);
    StringBuilder noise = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      noise.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return noise.toString();
  }
}
