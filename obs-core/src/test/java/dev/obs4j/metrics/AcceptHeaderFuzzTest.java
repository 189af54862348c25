/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.Hostile;
import dev.obs4j.testing.TestObs;
import java.io.IOException;
import java.net.SocketException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Hostile {@code Accept} headers on the metrics endpoint, generated with a fixed seed (so a failure
 * replays): 100,000 through the scrape that every adapter's endpoint uses, and 2,000 more sent as raw bytes
 * to the built-in server (CR, LF and NUL included, which no HTTP client library would send). The answer is
 * always one of the two exposition formats, OpenMetrics exactly when asked for; the server never echoes the
 * header into its answer, never lets it add a header, answers a request whose header lines do not parse
 * with a 400 (never dropping one unanswered), and keeps answering.
 */
class AcceptHeaderFuzzTest {
  private static final int INPUTS = 100_000;
  private static final int OVER_THE_WIRE = 2_000;
  private static final List<String> VALID =
      List.of(
          "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
              + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
          "application/openmetrics-text; version=1.0.0; charset=utf-8",
          "text/plain;version=0.0.4",
          "*/*",
          "application/json",
          "");
  private static final String ALPHABET = "abcdefmnoprtx/-;=.,*0149";

  @Test
  void hostileAcceptHeaders_alwaysGetOneOfTheTwoFormats_openMetricsExactlyWhenAsked() {
    Hostile hostile = new Hostile(20261206L, ALPHABET);
    try (Obs obs = TestObs.builder("shop").build()) {
      obs.meterRegistry().counter("orders.placed").increment();
      int openMetrics = 0;
      for (int i = 0; i < INPUTS; i++) {
        String accept = hostile.random().nextInt(50) == 0 ? null : hostile.from(VALID);
        PrometheusScrape scrape = PrometheusScrape.of(obs.meterRegistry(), accept);
        boolean asked = accept != null && accept.toLowerCase(Locale.ROOT).contains("application/openmetrics-text");
        if (asked) {
          openMetrics++;
          assertThat(scrape.contentType()).isEqualTo(PrometheusScrape.OPENMETRICS);
          assertThat(scrape.body()).contains("orders_placed_total{service=\"shop\"} 1.0").endsWith("# EOF\n");
        } else {
          assertThat(scrape.contentType()).isEqualTo(PrometheusScrape.TEXT);
          assertThat(scrape.body()).contains("orders_placed_total").doesNotContain("# EOF");
        }
      }
      assertThat(openMetrics).isBetween(INPUTS / 10, INPUTS - INPUTS / 10);
    }
  }

  @Test
  void hostileAcceptHeadersOnTheWire_neverEchoedNorSplitIntoHeaders_andTheServerKeepsAnswering() throws IOException {
    Hostile hostile = new Hostile(20261207L, ALPHABET);
    try (Obs obs = TestObs.builder("shop").metricsServer("127.0.0.1", 0).build()) {
      int port = obs.metricsServerAddress().getPort();
      int answered = 0;
      int rejected = 0;
      int refused = 0;
      for (int i = 0; i < OVER_THE_WIRE; i++) {
        String accept = hostile.from(VALID);
        if (i % 10 == 0) {
          accept = accept + "\r\nX-Injected: yes"; // a second header line after the value: never reflected
        }
        String answer;
        try {
          answer = MetricsServerSecurityTest.request(port, "GET /metrics HTTP/1.1", "Accept: " + accept);
        } catch (SocketException reset) {
          refused++; // a reset: the request went unanswered
          continue;
        }
        if (answer.isEmpty()) {
          refused++;
          continue;
        }
        assertThat(answer).as("answer to %s", Hostile.escape(accept)).matches("(?s)HTTP/1\\.1 (200|400) .*");
        String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n")));
        assertThat(head.toLowerCase(Locale.ROOT)).as(Hostile.escape(accept)).doesNotContain("x-injected");
        if (answer.startsWith("HTTP/1.1 400")) {
          rejected++;
        }
        if (answer.startsWith("HTTP/1.1 200")) {
          answered++;
          assertThat(head.toLowerCase(Locale.ROOT)).containsAnyOf(
              "content-type: " + PrometheusScrape.TEXT, "content-type: " + PrometheusScrape.OPENMETRICS);
        }
      }
      assertThat(answered).isGreaterThan(OVER_THE_WIRE / 2);
      assertThat(refused).as("requests dropped unanswered").isZero();
      assertThat(rejected).as("values with a bare CR, NUL ... make header lines that do not parse: 400").isPositive();
      assertThat(MetricsServerSecurityTest.request(port, "GET /metrics HTTP/1.1")).startsWith("HTTP/1.1 200");
    }
  }

}
