/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.obs4j.testing.UdpAgent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Standard output as a log shipper and as a person see it: ECS JSON in a pipe (a container's output), one
 * readable line per event with the trace id on a terminal, either on demand ({@code --log-format},
 * {@code DEMO_LOG_FORMAT}); the log file is JSON whatever standard output is.
 */
class LogFormatTest {

  @Test
  void pipe_byDefault_everyLineOfStandardOutputIsOneEcsJsonObject_bannerIncluded() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port())) {
      OneTraceTest.Placed placed = OneTraceTest.placeAndShip(demo);
      demo.awaitOutput(out -> out.contains(placed.traceId()), 10);
      List<JsonNode> lines = jsonLines(demo.stdout());
      assertThat(lines).anySatisfy(l -> assertThat(l.path("message").asText()).startsWith("obs4j demo is up"));
      assertThat(lines).anySatisfy(l -> {
        assertThat(l.path("message").asText()).isEqualTo("order " + placed.id() + " placed: 2 x book");
        assertThat(l.path("trace.id").asText()).isEqualTo(placed.traceId());
        assertThat(l.path("user.id").asText()).isEqualTo("alice");
        assertThat(l.path("service.name").asText()).isEqualTo("orders");
      });
      assertThat(demo.logLines(placed.traceId())).isNotEmpty();
    }
  }

  @Test
  void textAskedFor_oneReadableLinePerEvent_withServiceUserAndTraceId_andTheFileStaysJson() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port(), Map.of("DEMO_LOG_FORMAT", "text"))) {
      OneTraceTest.Placed placed = OneTraceTest.placeAndShip(demo);
      assertThat(demo.get("/serverError").statusCode()).isEqualTo(500);
      demo.awaitOutput(out -> out.contains("shipped for user alice"), 10);
      String out = demo.stdout();
      assertTextAboutTheOrder(out, placed);
      // an exception is its type and message on the line, not a stack trace
      assertThat(out).containsPattern(
          "(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR gateway .*\\[java\\.lang\\.IllegalStateException: inventory lookup"
              + " failed: the demo's simulated outage\\]$");
      assertThat(out).doesNotContain("\tat ");
      // the file: JSON, with the same events
      assertThat(demo.logLines(placed.traceId()))
          .anySatisfy(l -> assertThat(l.path("message").asText()).isEqualTo("order " + placed.id() + " placed: 2 x book"));
    }
  }

  @Test
  void terminal_byDefault_text() throws Exception {
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port(), DemoProcess.options().onTerminal())) {
      OneTraceTest.Placed placed = OneTraceTest.placeAndShip(demo);
      demo.awaitOutput(out -> out.contains("shipped for user alice"), 10);
      String out = demo.stdout().replace("\r\n", "\n");
      assertThat(out).contains("\nTry:\n"); // the banner as it is, for a person
      assertTextAboutTheOrder(out, placed);
    }
  }

  private static void assertTextAboutTheOrder(String out, OneTraceTest.Placed placed) {
    List<String> lines = Arrays.stream(out.split("\r?\n")).filter(l -> !l.isBlank()).collect(Collectors.toList());
    assertThat(lines).noneSatisfy(l -> assertThat(l).startsWith("{"));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches(
        "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  orders OrdersService - order " + placed.id()
            + " placed: 2 x book user=alice trace=" + placed.traceId()));
    assertThat(lines).anySatisfy(l -> assertThat(l).matches(
        "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  worker Worker - order " + placed.id()
            + " shipped for user alice user=alice trace=" + placed.traceId()));
  }

  /** Every non-empty line of {@code out} parsed as a JSON object; anything else fails the test. */
  static List<JsonNode> jsonLines(String out) throws Exception {
    List<JsonNode> nodes = new java.util.ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode node;
      try {
        node = DemoProcess.JSON.readTree(line);
      } catch (Exception e) {
        throw new AssertionError("a line of standard output that is not JSON: " + line, e);
      }
      assertThat(node.isObject()).as(line).isTrue();
      nodes.add(node);
    }
    return nodes;
  }
}
