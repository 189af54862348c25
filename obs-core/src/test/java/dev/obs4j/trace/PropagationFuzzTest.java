/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
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
  private static final String ALPHABET = "0123456789abcdefABCDEF-:;,=.% \t\r\n\u0000\u007f\u00e9\u2028\"'<>xyz";

  @Test
  void hostileHeaders_neverThrow_andNothingControlReachesTheNextHop() {
    Random random = new Random(20261124L);
    try (Obs obs = TestObs.builder("fuzz").propagators("tracecontext", "baggage", "jaeger", "b3multi").build()) {
      Propagation propagation = obs.propagation();
      int validContexts = 0;
      for (int i = 0; i < INPUTS; i++) {
        Map<String, String> in = new HashMap<>();
        in.put("traceparent", hostile(random));
        in.put("tracestate", hostile(random));
        in.put("baggage", hostile(random));
        in.put("uber-trace-id", hostile(random));
        in.put("uberctx-" + token(random), hostile(random));
        in.put("b3", hostile(random));
        in.put("X-B3-TraceId", hostile(random));
        in.put("X-B3-SpanId", hostile(random));
        in.put("X-B3-Sampled", hostile(random));

        Context extracted = propagation.extract(in);
        SpanContext remote = Span.fromContext(extracted).getSpanContext();
        if (remote.isValid()) {
          validContexts++;
          assertThat(remote.getTraceId()).matches("[0-9a-f]{32}").isNotEqualTo("0".repeat(32));
          assertThat(remote.getSpanId()).matches("[0-9a-f]{16}").isNotEqualTo("0".repeat(16));
        }
        Baggage.fromContext(extracted)
            .forEach((k, v) -> assertThat(hasControl(k + v.getValue())).as("baggage %s=%s", k, v.getValue()).isFalse());

        Map<String, String> out = new HashMap<>();
        try (Scope ignored = extracted.makeCurrent()) {
          propagation.inject(out);
        }
        out.forEach((name, value) -> {
          assertThat(hasControl(name)).as("header name %s", name).isFalse();
          assertThat(hasControl(value)).as("value of %s: %s", name, value).isFalse();
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

  /** A valid header mutated, random characters from a hostile alphabet, or an oversized value. */
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

  private static String token(Random random) {
    return Integer.toString(random.nextInt(1000), 36);
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
