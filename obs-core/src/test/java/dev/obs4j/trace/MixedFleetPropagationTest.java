/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Propagation with obs4j's defaults against what other services send: every known format is read whatever
 * is injected, in a documented order of precedence; baggage of both formats merges; one refused header does
 * not cost the others. Carriers here hold their header names as real ones do (case kept as sent).
 */
class MixedFleetPropagationTest {
  static final String W3C_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String JAEGER_TRACE = "1111111111111111aaaaaaaaaaaaaaaa";
  static final String B3_TRACE = "2222222222222222bbbbbbbbbbbbbbbb";
  static final String SPAN = "00f067aa0ba902b7";

  private static String traceOf(Context context) {
    return Span.fromContext(context).getSpanContext().getTraceId();
  }

  @Test
  void defaults_injectW3cBaggageAndJaeger_butExtractB3Too() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      Propagation propagation = recorder.obs.propagation();
      assertThat(propagation.fields()).contains("traceparent", "baggage", "uber-trace-id").doesNotContain("b3");
      assertThat(traceOf(propagation.extract(Map.of("b3", B3_TRACE + "-" + SPAN + "-1")))).isEqualTo(B3_TRACE);
      assertThat(traceOf(propagation.extract(Map.of("X-B3-TraceId", B3_TRACE, "X-B3-SpanId", SPAN, "X-B3-Sampled", "1"))))
          .isEqualTo(B3_TRACE);
    }
  }

  @Test
  void precedence_traceparentThenUberTraceIdThenB3() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      Propagation propagation = recorder.obs.propagation();
      Map<String, String> all = new LinkedHashMap<>();
      all.put("b3", B3_TRACE + "-" + SPAN + "-1");
      all.put("uber-trace-id", JAEGER_TRACE + ":" + SPAN + ":0:1");
      all.put("traceparent", "00-" + W3C_TRACE + "-" + SPAN + "-01");
      assertThat(traceOf(propagation.extract(all))).isEqualTo(W3C_TRACE);
      all.remove("traceparent");
      assertThat(traceOf(propagation.extract(all))).isEqualTo(JAEGER_TRACE);
      all.put("traceparent", "00-garbage-" + SPAN + "-01"); // malformed: the next format decides
      assertThat(traceOf(propagation.extract(all))).isEqualTo(JAEGER_TRACE);
    }
  }

  @Test
  void jaegerBaggage_mergesIntoW3cBaggage_w3cWinningAKeyBothCarry() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("traceparent", "00-" + W3C_TRACE + "-" + SPAN + "-01");
      headers.put("baggage", "user.id=dave,tenant=acme");
      headers.put("Uberctx-User.Id", "mallory"); // a name as a server may hold it
      headers.put("uberctx-region", "eu");
      Baggage baggage = Baggage.fromContext(recorder.obs.propagation().extract(headers));
      assertThat(baggage.getEntryValue("user.id")).isEqualTo("dave");
      assertThat(baggage.getEntryValue("tenant")).isEqualTo("acme");
      assertThat(baggage.getEntryValue("region")).isEqualTo("eu");
    }
  }

  @Test
  void getterOverACarriersOwnNames_findsUberctxBaggage_inAnyCase() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      // a carrier that, like Kafka headers, matches names exactly and lists them as they came
      List<String[]> carrier =
          List.of(
              new String[] {"Uber-Trace-Id", JAEGER_TRACE + ":" + SPAN + ":0:1"},
              new String[] {"UBERCTX-user.id", "erin"});
      Context context =
          recorder.obs.propagation().extract(
              carrier,
              HeaderGetter.<List<String[]>>of(
                  (c, name) -> c.stream().filter(h -> h[0].equals(name)).map(h -> h[1]).findFirst().orElse(null),
                  c -> c.stream().map(h -> h[0]).toList()));
      assertThat(traceOf(context)).isEqualTo(JAEGER_TRACE);
      assertThat(Baggage.fromContext(context).getEntryValue("user.id")).isEqualTo("erin");
    }
  }

  @Test
  void aCarrierRefusingOneHeader_stillGetsEveryOtherHeader() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      Map<String, String> written = new LinkedHashMap<>();
      Context context =
          Context.root()
              .with(Baggage.builder().put("motto", "ça va").put("tenant", "acme").build());
      recorder.obs.runInSpan("call", () -> {
        try (var ignored = context.with(Span.current()).makeCurrent()) {
          recorder.obs.propagation().inject(Context.current(), written, (map, name, value) -> {
            if (!value.chars().allMatch(ch -> ch < 128)) {
              throw new IllegalArgumentException("non-ASCII header value"); // as the JDK client does
            }
            map.put(name, value);
          });
        }
      });
      // the W3C baggage header carries the motto percent-encoded; Jaeger's uberctx-motto is refused alone
      assertThat(written).containsKeys("traceparent", "uber-trace-id", "uberctx-tenant");
      assertThat(written).doesNotContainKey("uberctx-motto");
    }
  }
}
