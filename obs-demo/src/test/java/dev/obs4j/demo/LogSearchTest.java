/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.obs4j.testing.UdpAgent;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The logs link of the chain: the demo's JSON log file, indexed into a real OpenSearch (the Elasticsearch API)
 * under the index template the compose stack ships, into the daily index its Logstash pipeline writes
 * ({@code obs-demo-YYYY.MM.dd} from {@code @timestamp}), is searchable by trace id. Logstash itself does not
 * run here; the test ships the file line by line, as the pipeline's {@code json} codec does.
 */
class LogSearchTest {
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

  @Test
  void logFile_inOpenSearchWithTheShippedTemplate_findsEveryLineOfARequestByItsTraceId() throws Exception {
    String failedTrace;
    String orderTrace;
    List<String> lines;
    try (UdpAgent agent = new UdpAgent();
        DemoProcess demo = DemoProcess.start(agent.port())) {
      HttpResponse<String> failed = demo.get("/serverError", "X-User-Id", "carol");
      assertThat(failed.statusCode()).isEqualTo(500);
      failedTrace = failed.headers().firstValue("X-Trace-Id").orElseThrow();
      assertThat(DemoProcess.JSON.readTree(failed.body()).path("traceId").asText())
          .as("the error body carries the trace id").isEqualTo(failedTrace);
      HttpResponse<String> placed = demo.post("/orders", "{\"item\": \"lamp\", \"quantity\": 1}", "X-User-Id", "bob");
      orderTrace = placed.headers().firstValue("X-Trace-Id").orElseThrow();
      long id = DemoProcess.JSON.readTree(placed.body()).get("id").asLong();
      demo.awaitBody("/orders/" + id, body -> body.contains("\"SHIPPED\""), 30);
      assertThat(demo.terminate()).isEqualTo(143); // every line is written once the demo has stopped
      lines = Files.readAllLines(demo.logFile());
    }

    try (OpenSearchNode search = new OpenSearchNode()) {
      search.call("PUT", "/_index_template/obs-demo", "application/json",
          Files.readString(ComposeFiles.file("elasticsearch/index-template.json")));
      StringBuilder bulk = new StringBuilder();
      for (String line : lines) {
        JsonNode event = DemoProcess.JSON.readTree(line);
        String index = "obs-demo-" + DAY.format(Instant.parse(event.get("@timestamp").asText()));
        bulk.append("{\"index\":{\"_index\":\"").append(index).append("\"}}\n").append(line).append('\n');
      }
      JsonNode indexed = search.call("POST", "/_bulk?refresh=true", "application/x-ndjson", bulk.toString());
      assertThat(indexed.path("errors").asBoolean()).as(indexed.toString()).isFalse();

      JsonNode mapping = search.call("GET", "/obs-demo-*/_mapping/field/trace.id", null, null);
      assertThat(mapping.findValue("mapping").findValue("type").asText()).isEqualTo("keyword");

      List<JsonNode> failedLines = hits(search, failedTrace);
      assertThat(failedLines)
          .as("the failed request's ERROR line")
          .anySatisfy(line -> {
            assertThat(line.path("log.level").asText()).isEqualTo("ERROR");
            assertThat(line.path("service.name").asText()).isEqualTo("gateway");
            assertThat(line.path("user.id").asText()).isEqualTo("carol");
            assertThat(line.path("http.route").asText()).isEqualTo("/serverError");
            assertThat(line.path("error.stack_trace").asText())
                .contains("java.lang.IllegalStateException: inventory lookup failed")
                .contains("at dev.obs4j.demo.Gateway");
          });

      List<JsonNode> orderLines = hits(search, orderTrace);
      Set<String> services = new HashSet<>();
      orderLines.forEach(l -> services.add(l.path("service.name").asText()));
      assertThat(services).as("one search finds the lines of all three parts").containsExactlyInAnyOrder("gateway", "orders", "worker");
      assertThat(orderLines).allSatisfy(l -> assertThat(l.path("user.id").asText()).isEqualTo("bob"));
    }
  }

  /** The documents whose {@code trace.id} is exactly {@code traceId}, as Kibana's saved search asks. */
  private static List<JsonNode> hits(OpenSearchNode search, String traceId) throws Exception {
    ObjectNode query = DemoProcess.JSON.createObjectNode();
    query.put("size", 100);
    query.putObject("query").putObject("term").put("trace.id", traceId);
    JsonNode answer = search.call("POST", "/obs-demo-*/_search", "application/json", query.toString());
    List<JsonNode> out = new java.util.ArrayList<>();
    answer.at("/hits/hits").forEach(hit -> out.add(hit.get("_source")));
    return out;
  }
}
