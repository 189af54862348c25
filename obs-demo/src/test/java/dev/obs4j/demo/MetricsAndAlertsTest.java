/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.obs4j.testing.PrometheusServer;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The metrics links of the chain, on real servers with the files the compose stack ships: Prometheus scrapes
 * the demo under its own traffic with the shipped prometheus.yml and rules; every PromQL expression of the
 * rules, the Grafana dashboards and the Grafana alert parses and returns data; an exemplar leads to a trace
 * the agent received; and the error-ratio alert travels through the shipped Alertmanager routing to a Slack
 * webhook (a loopback listener here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsAndAlertsTest {
  private UdpAgent agent;
  private DemoProcess demo;
  private Path dir;

  @BeforeAll
  void startDemoUnderTraffic() throws Exception {
    agent = new UdpAgent();
    demo = DemoProcess.start(agent.port(), "--traffic", "--traffic-rate", "20", "--traffic-duration", "4m");
    dir = Files.createTempDirectory("obs-demo-prometheus");
  }

  @AfterAll
  void stop() throws Exception {
    demo.close();
    agent.close();
  }

  @Test
  void shippedPrometheusConfig_scrapesTheDemo_andEveryShippedExpressionReturnsData() throws Exception {
    Path config = ComposeFiles.prometheusConfig(Files.createDirectory(dir.resolve("as-shipped")), demo,
        ComposeFiles.dir().resolve("prometheus/rules").toString() + "/*.yml", null);
    try (PrometheusServer prometheus = PrometheusServer.withConfig(config, List.of())) {
      await(prometheus, "count(up{job=\"obs-demo\"} == 1) == 3", 60);
      // Enough traffic for every series the dashboards read: errors, slow statements, queue, two scrapes.
      await(prometheus, "sum(increase(db_client_slow_statements_total[5m])) > 0", 120);
      await(prometheus, "sum(increase(http_server_requests_seconds_count{uri=\"/serverError\"}[5m])) > 0", 60);
      await(prometheus, "count(rate(messaging_queue_time_seconds_count[5m]) > 0) > 0", 60);
      Thread.sleep(12_000); // two more scrapes at the shipped 5 s interval, so every rate has its points

      Map<String, String> expressions = expressions();
      assertThat(expressions).hasSizeGreaterThan(30);
      List<String> failures = new ArrayList<>();
      for (Map.Entry<String, String> e : expressions.entrySet()) {
        JsonNode answer = query(prometheus, e.getValue());
        if (!"success".equals(answer.path("status").asText())) {
          failures.add(e.getKey() + ": " + e.getValue() + " -> " + answer);
        } else if (answer.at("/data/result").isEmpty()) {
          failures.add(e.getKey() + ": " + e.getValue() + " -> no data");
        }
      }
      assertThat(failures).as("expressions that fail or return nothing").isEmpty();

      Set<String> received = receivedTraceIds();
      JsonNode exemplars =
          DemoProcess.JSON.readTree(
              prometheus
                  .get("/api/v1/query_exemplars?query="
                      + PrometheusServer.encode("http_server_requests_seconds_bucket{service=\"gateway\"}")
                      + "&start=" + (System.currentTimeMillis() / 1000 - 600) + "&end=" + (System.currentTimeMillis() / 1000 + 60))
                  .body());
      List<String> linked = new ArrayList<>();
      for (JsonNode series : exemplars.path("data")) {
        for (JsonNode exemplar : series.path("exemplars")) {
          linked.add(exemplar.at("/labels/trace_id").asText());
        }
      }
      assertThat(linked).as("exemplar trace ids").isNotEmpty();
      assertThat(linked).as("an exemplar links to a trace the Jaeger agent received").anyMatch(received::contains);
    }
  }

  @Test
  void errorRatioAlert_reachesSlack_throughTheShippedAlertmanagerRouting() throws Exception {
    List<String> posts = new CopyOnWriteArrayList<>();
    HttpServer slack = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    slack.createContext("/services/T000/B000/XXXX", exchange -> {
      posts.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    slack.start();
    try {
      Path here = Files.createDirectory(dir.resolve("alerting"));
      // Alertmanager as shipped, its Slack URL file pointing here and its first wait shortened (Telegram, to a
      // closed port here, is AlertChannelsTest's).
      Path amConfig = AlertChannelsTest.renderForThisAlertmanager(here,
          "http://127.0.0.1:" + slack.getAddress().getPort() + "/services/T000/B000/XXXX",
          "http://127.0.0.1:" + DemoProcess.freePort(), "0:unused", -1);
      // The shipped rules with their `for:` shortened, so the alert fires within the test's patience.
      Path rules = Files.createDirectory(here.resolve("rules"));
      for (Path file : ComposeFiles.list("prometheus/rules", ".yml")) {
        ObjectNode ruleFile = (ObjectNode) ComposeFiles.YAML.readTree(file.toFile());
        for (JsonNode group : ruleFile.path("groups")) {
          ((ObjectNode) group).put("interval", "1s");
          for (JsonNode rule : group.path("rules")) {
            if (rule.has("for")) {
              ((ObjectNode) rule).put("for", "2s");
            }
          }
        }
        ComposeFiles.YAML.writeValue(rules.resolve(file.getFileName().toString()).toFile(), ruleFile);
      }
      try (Alertmanager alertmanager = new Alertmanager(amConfig)) {
        Path config = ComposeFiles.prometheusConfig(here, demo, rules + "/*.yml", alertmanager.address());
        try (PrometheusServer prometheus =
            PrometheusServer.withConfig(config, List.of("--rules.alert.resend-delay=1s"))) {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while (posts.stream().noneMatch(p -> p.contains("HighErrorRatio")) && System.nanoTime() < deadline) {
            Thread.sleep(250);
          }
          assertThat(posts)
              .as("Slack posts; alerts: %s; alertmanager: %s", prometheus.get("/api/v1/alerts").body(), alertmanager.log())
              .anySatisfy(post -> {
                JsonNode payload = DemoProcess.JSON.readTree(post);
                JsonNode attachment = payload.at("/attachments/0");
                assertThat(attachment.path("title").asText()).contains("HighErrorRatio", "gateway", "/serverError");
                assertThat(attachment.path("text").asText()).contains("gateway");
                assertThat(payload.path("channel").asText()).isEqualTo("#obs-demo-alerts");
              });
        }
      }
    } finally {
      slack.stop(0);
    }
  }

  /** Every PromQL expression the stack ships: rules, dashboard panels, the Grafana alert rule. */
  private static Map<String, String> expressions() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    for (Path file : ComposeFiles.list("prometheus/rules", ".yml")) {
      for (JsonNode group : ComposeFiles.YAML.readTree(file.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (rule.has("alert")) {
            // A healthy demo fires no alert: what must return data is the measure the threshold compares.
            out.put(file.getFileName() + " " + rule.get("alert").asText(), withoutThreshold(rule.get("expr").asText()));
          } else {
            out.put(file.getFileName() + " " + rule.path("record").asText(), rule.get("expr").asText());
          }
        }
      }
    }
    for (Path file : ComposeFiles.list("grafana/dashboards", ".json")) {
      collectPanels(file.getFileName().toString(), DemoProcess.JSON.readTree(file.toFile()), out);
    }
    for (Path file : ComposeFiles.list("grafana/provisioning/alerting", ".yml")) {
      for (JsonNode group : ComposeFiles.YAML.readTree(file.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          for (JsonNode data : rule.path("data")) {
            if (data.at("/model/expr").isTextual() && !"__expr__".equals(data.path("datasourceUid").asText())) {
              out.put(file.getFileName() + " " + rule.path("title").asText(), data.at("/model/expr").asText());
            }
          }
        }
      }
    }
    return out;
  }

  private static void collectPanels(String where, JsonNode node, Map<String, String> out) {
    for (JsonNode panel : node.path("panels")) {
      String title = where + " / " + panel.path("title").asText();
      int i = 0;
      for (JsonNode target : panel.path("targets")) {
        // kube-state-metrics series exist only in a cluster (RestartsTest checks that those queries parse)
        if (target.path("expr").isTextual() && !target.path("expr").asText().isBlank()
            && !target.path("expr").asText().contains("kube_")) {
          out.put(title + " #" + i++, grafanaVariables(target.get("expr").asText()));
        }
      }
      collectPanels(title, panel, out); // rows hold panels of their own
    }
  }

  /** {@code measure > 0.05} becomes {@code measure}; an expression without a final threshold stays. */
  static String withoutThreshold(String expr) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?s)^(.*?)\\s*(==|!=|>=|<=|>|<)\\s*[0-9.eE+-]+\\s*$").matcher(expr.trim());
    return m.matches() ? m.group(1) : expr;
  }

  /** What Grafana substitutes before it sends a query: the built-in intervals and the service variable. */
  static String grafanaVariables(String expr) {
    return expr.replace("$__rate_interval", "1m")
        .replace("$__interval", "15s")
        .replace("$__range", "5m")
        .replace("${service}", ".*")
        .replace("$service", ".*");
  }

  private static JsonNode query(PrometheusServer prometheus, String expr) throws IOException, InterruptedException {
    return DemoProcess.JSON.readTree(prometheus.get("/api/v1/query?query=" + PrometheusServer.encode(expr)).body());
  }

  private static void await(PrometheusServer prometheus, String expr, int seconds) throws Exception {
    prometheus.await(
        "/api/v1/query?query=" + PrometheusServer.encode(expr),
        body -> body.contains("\"result\":[{"),
        seconds);
  }

  private Set<String> receivedTraceIds() {
    Set<String> ids = new HashSet<>();
    for (Batch batch : agent.batches()) {
      for (Span span : batch.getSpans()) {
        ids.add(JaegerTrace.traceIdOf(span));
      }
    }
    return ids;
  }
}
