/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PropagationTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String SPAN = "00f067aa0ba902b7";

  private static SpanRecorder recorder() {
    return new SpanRecorder(TestObs.builder("svc").propagators("tracecontext", "baggage", "jaeger", "b3multi"));
  }

  /** Starts a span under the context extracted from {@code headers} and returns it. */
  private static SpanData childOf(SpanRecorder recorder, Map<String, String> headers) {
    Context parent = recorder.obs.propagation().extract(headers);
    try (Scope ignored = parent.makeCurrent()) {
      recorder.obs.runInSpan("handler", () -> {});
    }
    return recorder.only();
  }

  static Stream<Arguments> wellFormed() {
    return Stream.of(
        Arguments.of("w3c", Map.of("traceparent", "00-" + TRACE + "-" + SPAN + "-01")),
        Arguments.of("jaeger", Map.of("uber-trace-id", TRACE + ":" + SPAN + ":0:1")),
        Arguments.of("jaeger, upper-case header", Map.of("Uber-Trace-Id", TRACE + ":" + SPAN + ":0:1")),
        Arguments.of("b3 single", Map.of("b3", TRACE + "-" + SPAN + "-1")),
        Arguments.of(
            "b3 multi", Map.of("X-B3-TraceId", TRACE, "X-B3-SpanId", SPAN, "X-B3-Sampled", "1")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wellFormed")
  void wellFormedHeader_continuesTheTrace(String format, Map<String, String> headers) {
    try (SpanRecorder recorder = recorder()) {
      SpanData span = childOf(recorder, headers);
      assertThat(span.getTraceId()).isEqualTo(TRACE);
      assertThat(span.getParentSpanId()).isEqualTo(SPAN);
      assertThat(span.getParentSpanContext().isRemote()).isTrue();
    }
  }

  static Stream<Arguments> malformed() {
    String huge = "f".repeat(100_000);
    return Stream.of(
        Arguments.of("w3c garbage", Map.of("traceparent", "garbage")),
        Arguments.of("w3c short trace id", Map.of("traceparent", "00-4bf92f35-" + SPAN + "-01")),
        Arguments.of("w3c all-zero trace id", Map.of("traceparent", "00-" + "0".repeat(32) + "-" + SPAN + "-01")),
        Arguments.of("w3c all-zero span id", Map.of("traceparent", "00-" + TRACE + "-" + "0".repeat(16) + "-01")),
        Arguments.of("w3c huge", Map.of("traceparent", "00-" + huge + "-" + SPAN + "-01")),
        Arguments.of("w3c version ff", Map.of("traceparent", "ff-" + TRACE + "-" + SPAN + "-01")),
        Arguments.of("jaeger garbage", Map.of("uber-trace-id", "not:a:trace")),
        Arguments.of("jaeger all-zero", Map.of("uber-trace-id", "0:0:0:1")),
        Arguments.of("jaeger huge", Map.of("uber-trace-id", huge + ":" + SPAN + ":0:1")),
        Arguments.of("jaeger non-hex", Map.of("uber-trace-id", "zzzz:yyyy:0:1")),
        Arguments.of("b3 garbage", Map.of("b3", "---")),
        Arguments.of("b3 wrong lengths", Map.of("X-B3-TraceId", "abc", "X-B3-SpanId", "12345")),
        Arguments.of("b3 huge", Map.of("b3", huge + "-" + SPAN + "-1")),
        Arguments.of("crlf in traceparent", Map.of("traceparent", "00-" + TRACE + "\r\n-" + SPAN + "-01")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void malformedHeader_isIgnored_andANewRootTraceStarts(String name, Map<String, String> headers) {
    try (SpanRecorder recorder = recorder()) {
      SpanData span = childOf(recorder, headers);
      assertThat(span.getParentSpanContext().isValid()).isFalse();
      assertThat(span.getTraceId()).isNotEqualTo(TRACE).isNotEqualTo("0".repeat(32));
    }
  }

  @Test
  void crlfInBaggage_neverThrows_andNeverReachesAnInjectedHeader() {
    try (SpanRecorder recorder = recorder()) {
      Map<String, String> in = new HashMap<>();
      in.put("baggage", "user=alice\r\nX-Evil: 1,ok=fine");
      in.put("uberctx-tenant", "acme\r\nSet-Cookie: x");
      Context context = recorder.obs.propagation().extract(in);
      Map<String, String> out = new HashMap<>();
      assertThatCode(() -> recorder.obs.propagation().inject(context, out, Map::put)).doesNotThrowAnyException();
      assertThat(out.values()).noneMatch(v -> v.contains("\r") || v.contains("\n"));
      assertThat(Baggage.fromContext(context).asMap()).isEmpty();
    }
  }

  @Test
  void inject_writesEveryConfiguredFormat_andJaegerBaggageTravels() {
    try (SpanRecorder recorder = recorder()) {
      Map<String, String> headers = new HashMap<>();
      Span span = recorder.obs.tracer().spanBuilder("client").startSpan();
      SpanContext sc = span.getSpanContext();
      try (Scope s1 = span.makeCurrent();
          Scope s2 = Baggage.current().toBuilder().put("user.id", "alice").build().makeCurrent()) {
        recorder.obs.propagation().inject(headers);
      } finally {
        span.end();
      }
      assertThat(headers.get("traceparent"))
          .matches("00-" + sc.getTraceId() + "-" + sc.getSpanId() + "-0[13]"); // 02: random trace id flag
      assertThat(headers.get("uber-trace-id")).startsWith(sc.getTraceId() + ":" + sc.getSpanId() + ":");
      assertThat(headers.get("X-B3-TraceId")).isEqualTo(sc.getTraceId());
      assertThat(headers.get("baggage")).contains("user.id=alice");
      assertThat(headers.get("uberctx-user.id")).isEqualTo("alice");

      Map<String, String> jaegerOnly = Map.of(
          "uber-trace-id", headers.get("uber-trace-id"), "uberctx-user.id", "alice");
      Context extracted = recorder.obs.propagation().extract(jaegerOnly);
      assertThat(Baggage.fromContext(extracted).getEntryValue("user.id")).isEqualTo("alice");
      assertThat(Span.fromContext(extracted).getSpanContext().getTraceId()).isEqualTo(sc.getTraceId());
    }
  }

  @Test
  void b3Single_isWrittenWhenConfigured() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc").propagators("b3"))) {
      Map<String, String> headers = new HashMap<>();
      recorder.obs.runInSpan("x", () -> recorder.obs.propagation().inject(headers));
      assertThat(headers).containsOnlyKeys("b3");
      assertThat(headers.get("b3")).matches("[0-9a-f]{32}-[0-9a-f]{16}-1");
    }
  }

  @Test
  void getterAndSetterPair_workOnAnyCarrier() {
    try (SpanRecorder recorder = recorder()) {
      StringBuilder wire = new StringBuilder();
      recorder.obs.runInSpan(
          "producer",
          () ->
              recorder.obs.propagation().inject(
                  Context.current(), wire, (w, k, v) -> w.append(k).append('=').append(v).append(';')));
      Map<String, String> parsed = new HashMap<>();
      for (String pair : wire.toString().split(";")) {
        parsed.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
      }
      Context context = recorder.obs.propagation().extract(parsed, Map::get);
      assertThat(Span.fromContext(context).getSpanContext().getTraceId())
          .isEqualTo(recorder.only().getTraceId());
    }
  }
}
