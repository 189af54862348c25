/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.obs4j.testing.PrometheusServer;
import dev.obs4j.testing.UdpAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Restarts and crashes" dashboard and the FrequentRestarts alert on a real Prometheus with the shipped
 * prometheus.yml and rules: orders and worker run in one demo JVM that never restarts, the gateway runs alone
 * ({@code --part gateway}, with its own traffic) at one fixed address and is stopped and started again three
 * times. Every query of the dashboard (read from its JSON) and the alert's expression (read from the rules
 * file) must count exactly those three restarts for the gateway and none for the others; the alert stays
 * quiet after two restarts and fires after the third.
 */
class RestartsTest {
  private static final String DASHBOARD = "grafana/dashboards/restarts.json";
  private static final String ALERT = "FrequentRestarts";
  private static final int RESTARTS = 3;

  @Test
  void restartsDashboardAndAlert_countExactlyTheRestartsOfTheGateway(@TempDir Path dir) throws Exception {
    JsonNode dashboard = ComposeFiles.json(DASHBOARD);
    JsonNode rule = rule(ALERT);
    try (UdpAgent agent = new UdpAgent();
        DemoProcess backend = DemoProcess.start(agent.port())) {
      int gatewayPort = DemoProcess.freePort();
      Path config = ComposeFiles.prometheusConfig(dir, gatewayPort, backend.ordersPort(), backend.workerPort(),
          ComposeFiles.dir().resolve("prometheus/rules") + "/*.yml", null);
      try (PrometheusServer prometheus = PrometheusServer.withConfig(config, List.of())) {
        long prometheusStart = System.currentTimeMillis();
        String backendStart = awaitStartTime(prometheus, "orders", startTime(backend, backend.ordersPort()));
        List<String> gatewayStarts = new ArrayList<>();
        DemoProcess gateway = startGateway(agent, gatewayPort, backend);
        try {
          gatewayStarts.add(awaitStartTime(prometheus, "gateway", startTime(gateway, gatewayPort)));
          for (int i = 1; i <= RESTARTS; i++) {
            // Starts more than one annotation step apart, so that Grafana draws one mark per start.
            long sinceStart = System.currentTimeMillis() - (long) (Double.parseDouble(gatewayStarts.get(i - 1)) * 1000);
            Thread.sleep(Math.max(0, 20_000 - sinceStart));
            gateway.close();
            gateway = startGateway(agent, gatewayPort, backend);
            gatewayStarts.add(awaitStartTime(prometheus, "gateway", startTime(gateway, gatewayPort)));
            if (i == RESTARTS - 1) {
              // At the threshold, not above it: the measure says 2 and the alert stays quiet.
              Thread.sleep(11_000); // two rule evaluations at the shipped 5 s interval
              assertThat(byService(query(prometheus, MetricsAndAlertsTest.withoutThreshold(rule.path("expr").asText()))))
                  .containsEntry("gateway", 2.0);
              assertThat(firing(prometheus)).as("%s after %d restarts", ALERT, i).isEmpty();
            }
          }
          Thread.sleep(6_000); // one more scrape of every target
          long now = System.currentTimeMillis();
          String range = ((now - prometheusStart) / 1000 + 30) + "s";
          Map<String, Double> expected = Map.of("gateway", (double) RESTARTS, "orders", 0.0, "worker", 0.0);

          Set<String> checked = new LinkedHashSet<>();
          // Restarts in the selected range (instant, over $__range), all services and one selected.
          String inRange = target(dashboard, "Restarts in the selected time range", checked);
          assertThat(byService(query(prometheus, grafana(inRange, ".*", range)))).isEqualTo(expected);
          assertThat(byService(query(prometheus, grafana(inRange, "gateway", range))))
              .isEqualTo(Map.of("gateway", (double) RESTARTS));
          // The alert's measure over time, and the alert's own expression: the same numbers.
          String last15m = target(dashboard, "Restarts in the last 15 minutes", checked);
          assertThat(byService(query(prometheus, grafana(last15m, ".*", range)))).isEqualTo(expected);
          assertThat(last15m.replace(", service=~\"$service\"", ""))
              .as("the panel draws the alert's measure")
              .isEqualTo(MetricsAndAlertsTest.withoutThreshold(rule.path("expr").asText()));
          assertThat(byService(query(prometheus, rule.path("expr").asText())))
              .isEqualTo(Map.of("gateway", (double) RESTARTS));

          // The alert fires for the gateway only, linking to this dashboard with the service selected.
          JsonNode alert = awaitFiring(prometheus, 30);
          assertThat(firing(prometheus)).hasSize(1);
          assertThat(alert.at("/labels/service").asText()).isEqualTo("gateway");
          assertThat(alert.at("/labels/severity").asText()).isEqualTo("page");
          assertThat(alert.at("/annotations/runbook_url").asText())
              .isEqualTo("http://localhost:3000/d/" + dashboard.path("uid").asText() + "?var-service=gateway");
          assertThat(alert.at("/annotations/summary").asText()).contains("gateway", "restarted 3 times");

          // Uptime: the gateway's since its last start, orders' since the backend's start.
          String uptime = target(dashboard, "Uptime", checked);
          Map<String, Double> uptimes = byService(query(prometheus, grafana(uptime, ".*", range)));
          double gatewayUptime = (System.currentTimeMillis() - Double.parseDouble(last(gatewayStarts)) * 1000) / 1000;
          assertThat(uptimes.get("gateway")).isBetween(gatewayUptime - 15, gatewayUptime + 1);
          assertThat(uptimes.get("orders")).isGreaterThan(uptimes.get("gateway") + 20 * RESTARTS);

          // The annotations: one mark per process start, at the start time, as Grafana groups them.
          JsonNode annotation = annotation(dashboard, "Process starts");
          Map<String, List<Long>> marks =
              annotationMarks(prometheus, grafana(annotation.path("expr").asText(), ".*", range), annotation, prometheusStart - 60_000, now);
          assertThat(marks.get("gateway")).containsExactlyElementsOf(millis(gatewayStarts));
          assertThat(marks.get("orders")).containsExactlyElementsOf(millis(List.of(backendStart)));
          assertThat(marks.get("worker")).containsExactlyElementsOf(millis(List.of(backendStart)));

          // Errors around the restarts: the gateway's traffic fails on /serverError across all its runs.
          String errorRatio = target(dashboard, "Error ratio (5xx / all) by service", checked);
          assertThat(byService(query(prometheus, grafana(errorRatio, ".*", range)))).containsKey("gateway");
          String errors = target(dashboard, "Failed requests per second by route", checked);
          assertThat(query(prometheus, grafana(errors, ".*", range)).toString()).contains("/serverError");
          String up = target(dashboard, "Scrape target up", checked);
          assertThat(query(prometheus, grafana(up, ".*", range)).toString()).contains("\"part\":\"gateway\"");

          // Cluster only: kube-state-metrics does not run here; the queries must still be valid PromQL.
          for (String title : List.of("Container restarts (Kubernetes)", "Last exit reason (Kubernetes)")) {
            String kube = target(dashboard, title, checked);
            assertThat(kube).contains("kube_pod_container_");
            JsonNode answer = DemoProcess.JSON.readTree(
                prometheus.get("/api/v1/query?query=" + PrometheusServer.encode(grafana(kube, ".*", range))).body());
            assertThat(answer.path("status").asText()).as(kube).isEqualTo("success");
            assertThat(answer.at("/data/result")).as(kube).isEmpty();
          }
          assertThat(checked).as("every Prometheus query of the dashboard is checked above")
              .containsExactlyInAnyOrderElementsOf(allTargets(dashboard));

          // For the demo page: the alert's measure as the panel queries it, and the firing alert, in Prometheus's UI.
          String minutes = ((System.currentTimeMillis() - prometheusStart) / 60_000 + 1) + "m";
          Screenshots.take(Screenshots.prometheusGraph(prometheus, grafana(last15m, ".*", range), false, minutes),
              "prometheus-restarts-graph", 880, 20_000, dom -> assertThat(dom)
                  .contains("Total time series: 3", "<path class=\"path\" d=\"M")
                  .contains("<span class=\"label\">{service=\"gateway\"}</span>", "<span class=\"label\">{service=\"orders\"}</span>",
                      "<span class=\"label\">{service=\"worker\"}</span>"));
          Screenshots.take(Screenshots.prometheusAlerts(prometheus), "prometheus-frequent-restarts-alert", 560, 15_000,
              dom -> assertThat(dom)
                  .containsPattern("alert-danger alert_header\">\\s*<td><i class=\"icon-chevron-down\"></i> <b>"
                      + ALERT + "</b> \\(1 active\\)")
                  .containsSubsequence("<b>" + ALERT + "</b>", "service=\"gateway\"", ">firing<"));
        } finally {
          gateway.close();
        }
      }
    }
  }

  private static DemoProcess startGateway(UdpAgent agent, int port, DemoProcess backend)
      throws IOException, InterruptedException {
    return DemoProcess.start(agent.port(),
        DemoProcess.options().ports(port, DemoProcess.freePort(), DemoProcess.freePort()),
        "--part", "gateway", "--orders-url", "http://127.0.0.1:" + backend.ordersPort(),
        "--traffic", "--traffic-rate", "10", "--traffic-duration", "10m");
  }

  /** The process start time a part reports itself, in the exposition's own spelling. */
  private static double startTime(DemoProcess process, int port) throws IOException, InterruptedException {
    return process.sum(port, "process_start_time_seconds");
  }

  /** Waits until Prometheus has scraped {@code service}'s start time {@code expected}; returns it as Prometheus spells it. */
  private static String awaitStartTime(PrometheusServer prometheus, String service, double expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode result = null;
    while (System.nanoTime() < deadline) {
      result = query(prometheus, "process_start_time_seconds{job=\"obs-demo\",service=\"" + service + "\"}");
      if (result.size() == 1 && Double.parseDouble(result.at("/0/value/1").asText()) == expected) {
        return result.at("/0/value/1").asText();
      }
      Thread.sleep(250);
    }
    throw new AssertionError("Prometheus never scraped " + service + " started at " + expected + ": " + result
        + "; targets: " + prometheus.get("/api/v1/targets").body());
  }

  private static JsonNode rule(String alert) throws IOException {
    for (Path file : ComposeFiles.list("prometheus/rules", ".yml")) {
      for (JsonNode group : ComposeFiles.YAML.readTree(file.toFile()).path("groups")) {
        for (JsonNode rule : group.path("rules")) {
          if (alert.equals(rule.path("alert").asText())) {
            return rule;
          }
        }
      }
    }
    throw new AssertionError("no alert rule " + alert + " in prometheus/rules");
  }

  /** The one Prometheus query of the panel titled {@code title} (its title starts so). */
  private static String target(JsonNode dashboard, String title, Set<String> checked) {
    List<String> found = new ArrayList<>();
    forEachPanel(dashboard, panel -> {
      if (panel.path("title").asText().startsWith(title)) {
        for (JsonNode target : panel.path("targets")) {
          found.add(target.path("expr").asText());
        }
      }
    });
    assertThat(found).as("the query of panel '%s' in %s", title, DASHBOARD).hasSize(1);
    checked.add(found.get(0));
    return found.get(0);
  }

  private static List<String> allTargets(JsonNode dashboard) {
    List<String> all = new ArrayList<>();
    forEachPanel(dashboard, panel -> {
      for (JsonNode target : panel.path("targets")) {
        if ("prometheus".equals(target.at("/datasource/type").asText()) || target.has("expr")) {
          all.add(target.path("expr").asText());
        }
      }
    });
    return all;
  }

  private static void forEachPanel(JsonNode node, java.util.function.Consumer<JsonNode> action) {
    for (JsonNode panel : node.path("panels")) {
      action.accept(panel);
      forEachPanel(panel, action);
    }
  }

  private static JsonNode annotation(JsonNode dashboard, String name) {
    for (JsonNode a : dashboard.at("/annotations/list")) {
      if (name.equals(a.path("name").asText())) {
        return a;
      }
    }
    throw new AssertionError("no annotation '" + name + "' in " + DASHBOARD);
  }

  /**
   * What Grafana draws for a Prometheus annotation with "series value as timestamp": the range query at the
   * annotation's step, per series the values taken as times (ms), merged into one mark when no more than one
   * step apart (Grafana's packages/grafana-prometheus/src/annotations.ts, processEvents). Keyed by service.
   */
  private static Map<String, List<Long>> annotationMarks(PrometheusServer prometheus, String expr, JsonNode annotation,
      long fromMillis, long toMillis) throws IOException, InterruptedException {
    assertThat(annotation.path("useValueForTime").asBoolean()).as("useValueForTime").isTrue();
    long step = stepSeconds(annotation.path("step").asText());
    // One step past the last point: the last start is then inside the query however the steps fall (a start within
    // the last step before "now" appears in Grafana at its next refresh).
    toMillis += step * 1000;
    JsonNode answer = DemoProcess.JSON.readTree(prometheus.get("/api/v1/query_range?query=" + PrometheusServer.encode(expr)
        + "&start=" + fromMillis / 1000 + "&end=" + toMillis / 1000 + "&step=" + step).body());
    assertThat(answer.path("status").asText()).as(answer.toString()).isEqualTo("success");
    Map<String, List<Long>> marks = new TreeMap<>();
    for (JsonNode series : answer.at("/data/result")) {
      List<Long> events = new ArrayList<>();
      long end = Long.MIN_VALUE;
      for (JsonNode point : series.path("values")) {
        long time = (long) Math.floor(Double.parseDouble(point.get(1).asText()));
        if (!events.isEmpty() && end + step * 1000 >= time) {
          end = time;
          continue;
        }
        events.add(time);
        end = time;
      }
      assertThat(marks.put(series.at("/metric/service").asText(), events)).as("one series per service").isNull();
    }
    return marks;
  }

  private static long stepSeconds(String step) {
    assertThat(step).matches("[0-9]+s");
    return Long.parseLong(step.substring(0, step.length() - 1));
  }

  private static List<Long> millis(List<String> seconds) {
    return seconds.stream().map(s -> (long) Math.floor(Double.parseDouble(s) * 1000)).toList();
  }

  private static String last(List<String> list) {
    return list.get(list.size() - 1);
  }

  /**
   * What Grafana sends for a query: {@code $service} as selected, {@code $__range} the dashboard's range,
   * {@code $__rate_interval} at least four scrape intervals (20 s at the shipped 5 s).
   */
  private static String grafana(String expr, String service, String range) {
    return expr.replace("$__range", range).replace("$__rate_interval", "20s").replace("${service}", service).replace("$service", service);
  }

  private static JsonNode query(PrometheusServer prometheus, String expr) throws IOException, InterruptedException {
    JsonNode answer = DemoProcess.JSON.readTree(
        prometheus.get("/api/v1/query?query=" + PrometheusServer.encode(expr)).body());
    assertThat(answer.path("status").asText()).as(expr + " -> " + answer).isEqualTo("success");
    return answer.at("/data/result");
  }

  private static Map<String, Double> byService(JsonNode result) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (JsonNode series : result) {
      assertThat(out.put(series.at("/metric/service").asText(), Double.parseDouble(series.at("/value/1").asText())))
          .as("one value per service in %s", result).isNull();
    }
    return out;
  }

  private static List<JsonNode> firing(PrometheusServer prometheus) throws IOException, InterruptedException {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode alert : DemoProcess.JSON.readTree(prometheus.get("/api/v1/alerts").body()).at("/data/alerts")) {
      if (ALERT.equals(alert.at("/labels/alertname").asText()) && "firing".equals(alert.path("state").asText())) {
        out.add(alert);
      }
    }
    return out;
  }

  private static JsonNode awaitFiring(PrometheusServer prometheus, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      List<JsonNode> firing = firing(prometheus);
      if (!firing.isEmpty()) {
        return firing.get(0);
      }
      Thread.sleep(250);
    }
    throw new AssertionError(ALERT + " never fired: " + prometheus.get("/api/v1/alerts").body());
  }
}
