/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.Hostile;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile headers, generated with a fixed seed (so a failure replays): 100,000 inputs for each format obs4j
 * reads (W3C traceparent and baggage, Jaeger uber-trace-id and uberctx-*, B3 single and multi). Reading
 * them never throws; whatever is read and then written on to the next hop holds no control character
 * (CR, LF, NUL ...), so no input can split or forge an outgoing header; a context read as valid has
 * well-formed ids.
 */
class PropagationFuzzTest {
  private static final int INPUTS = 100_000;
  private static final List<String> VALID =
      List.of(
          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          "4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1",
          "4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
          "user.id=alice,tenant=acme;prop=1",
          "alice");
  private static final String ALPHABET = "0123456789abcdefABCDEF-:;,=.%xyz";

  @Test
  void hostileHeaders_neverThrow_andNothingControlReachesTheNextHop() {
    Hostile hostile = new Hostile(20261124L, ALPHABET);
    Random random = hostile.random();
    try (Obs obs = TestObs.builder("fuzz").propagators("tracecontext", "baggage", "jaeger", "b3multi").build()) {
      Propagation propagation = obs.propagation();
      int validContexts = 0;
      for (int i = 0; i < INPUTS; i++) {
        Map<String, String> in = new HashMap<>();
        in.put("traceparent", hostile.from(VALID));
        in.put("tracestate", hostile.from(VALID));
        in.put("baggage", hostile.from(VALID));
        in.put("uber-trace-id", hostile.from(VALID));
        in.put("uberctx-" + token(random), hostile.from(VALID));
        in.put("b3", hostile.from(VALID));
        in.put("X-B3-TraceId", hostile.from(VALID));
        in.put("X-B3-SpanId", hostile.from(VALID));
        in.put("X-B3-Sampled", hostile.from(VALID));

        Context extracted = propagation.extract(in);
        SpanContext remote = Span.fromContext(extracted).getSpanContext();
        if (remote.isValid()) {
          validContexts++;
          assertThat(remote.getTraceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
          assertThat(remote.getSpanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
        }
        Baggage.fromContext(extracted).forEach((k, v) -> assertThat(Hostile.hasControl(k + v.getValue()))
            .as("baggage %s=%s", Hostile.escape(k), Hostile.escape(v.getValue())).isFalse());

        Map<String, String> out = new HashMap<>();
        try (Scope ignored = extracted.makeCurrent()) {
          propagation.inject(out);
        }
        out.forEach((name, value) -> {
          assertThat(Hostile.hasControl(name)).as("header name %s", Hostile.escape(name)).isFalse();
          assertThat(Hostile.hasControl(value)).as("value of %s: %s", Hostile.escape(name), Hostile.escape(value)).isFalse();
        });
      }
      // The generator also produced readable headers: the test exercised the accepting paths, not only rejection.
      assertThat(validContexts).isGreaterThan(INPUTS / 20);
    }
  }

  @Test
  void percentEncodedControlCharacterInBaggage_dropsThatEntryOnly() {
    try (Obs obs = TestObs.builder("fuzz").build()) {
      Context extracted =
          obs.propagation().extract(Map.of("baggage", "user.id=al%0D%0Aice,tenant=acme,note=a%00b"));
      Baggage baggage = Baggage.fromContext(extracted);
      assertThat(baggage.getEntryValue("tenant")).isEqualTo("acme");
      assertThat(baggage.getEntryValue("user.id")).isNull();
      assertThat(baggage.getEntryValue("note")).isNull();
    }
  }

  private static String token(Random random) {
    return Integer.toString(random.nextInt(1000), 36);
  }
}
