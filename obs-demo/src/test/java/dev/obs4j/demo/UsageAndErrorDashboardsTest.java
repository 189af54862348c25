/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.obs4j.testing.PrometheusServer;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dashboards of errors by endpoint and user (Grafana and Kibana) and of usage (Grafana), run against what
 * real demo traffic left behind. The demo's traffic generator runs with a fixed seed and a fixed number of
 * requests, from the flags as {@code Traffic --target URL --traffic-seed N} takes them, once Prometheus scrapes
 * the demo; the test draws the same plan from the same seed ({@link Traffic#plan}) and works out, on its own,
 * how many requests, errors and distinct users there must be per feature, user and hour. Every query the panels
 * make is read from the shipped files and sent to a real Prometheus (the shipped prometheus.yml, its scrape
 * interval shortened to 1 s) and a real OpenSearch holding the demo's log file under the shipped index template;
 * what they return is compared with that expectation. The log queries must match exactly, and so must the
 * gateway's counters as Prometheus stored them; the PromQL panels use increase(), an estimate (it extrapolates,
 * and a series' count before its first scrape is not seen), checked against the bounds that follow from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UsageAndErrorDashboardsTest {
  private static final long SEED = 20261207L;
  private static final int REQUESTS = 240;
  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

  private final List<Traffic.Step> plan = Traffic.plan(SEED).first(REQUESTS);
  private UdpAgent agent;
  private DemoProcess demo;
  private PrometheusServer prometheus;
  private OpenSearchNode search;
  private long trafficStart;
  private long trafficEnd;

  @BeforeAll
  void runTheSeededTraffic() throws Exception {
    agent = new UdpAgent();
    search = new OpenSearchNode();
    demo = DemoProcess.start(agent.port());
    Path dir = Files.createDirectory(demo.dir().resolve("prometheus"));
    Path config = ComposeFiles.prometheusConfig(dir, demo, dir.resolve("no-rules-*.yml").toString(), null);
    ObjectNode yaml = (ObjectNode) ComposeFiles.YAML.readTree(config.toFile());
    ((ObjectNode) yaml.get("global")).put("scrape_interval", "1s").put("evaluation_interval", "1s");
    ComposeFiles.YAML.writeValue(config.toFile(), yaml);
    prometheus = PrometheusServer.withConfig(config, List.of());
    prometheus.await("/api/v1/query?query=" + PrometheusServer.encode("count(up{job=\"obs-demo\"} == 1) == 3"),
        body -> body.contains("\"result\":[{"), 30);
    // The traffic as `Traffic --target URL --traffic-seed ...` runs it, once Prometheus scrapes the demo: a
    // series' count before its first scrape is not in any increase().
    DemoConfig settings = DemoConfig.parse(new String[] {"--traffic-seed", Long.toString(SEED),
        "--traffic-requests", Integer.toString(REQUESTS), "--traffic-rate", "8"}, name -> null);
    List<String> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
    trafficStart = System.currentTimeMillis();
    Traffic.of(java.net.URI.create("http://127.0.0.1:" + demo.gatewayPort()), settings, progress::add).run();
    trafficEnd = System.currentTimeMillis();
    assertThat(progress.get(0)).contains("seed " + SEED);
    assertThat(progress).last().asString().isEqualTo("traffic: done, " + REQUESTS + " requests sent");
    Thread.sleep(3_000); // the last lines written, more scrapes
    search.call("PUT", "/_index_template/obs-demo", "application/json",
        Files.readString(ComposeFiles.file("elasticsearch/index-template.json")));
    StringBuilder bulk = new StringBuilder();
    for (String line : Files.readAllLines(demo.logFile())) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode event = DemoProcess.JSON.readTree(line);
      String index = "obs-demo-" + DAY.format(Instant.parse(event.get("@timestamp").asText()));
      bulk.append("{\"index\":{\"_index\":\"").append(index).append("\"}}\n").append(line).append('\n');
    }
    JsonNode indexed = search.call("POST", "/_bulk?refresh=true", "application/x-ndjson", bulk.toString());
    assertThat(indexed.path("errors").asBoolean()).as(indexed.toString()).isFalse();
  }

  @AfterAll
  void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {prometheus, demo, search, agent}) {
      if (c != null) {
        c.close();
      }
    }
  }

  // --- what the plan says ---------------------------------------------------------------------------------

  private Map<String, Long> count(java.util.function.Predicate<Traffic.Step> which, java.util.function.Function<Traffic.Step, String> key) {
    return plan.stream().filter(which).collect(Collectors.groupingBy(key, TreeMap::new, Collectors.counting()));
  }

  private Map<String, Long> distinctUsers(java.util.function.Function<Traffic.Step, String> key) {
    Map<String, Set<String>> users = new TreeMap<>();
    plan.forEach(s -> users.computeIfAbsent(key.apply(s), k -> new HashSet<>()).add(s.user()));
    Map<String, Long> out = new TreeMap<>();
    users.forEach((k, v) -> out.put(k, (long) v.size()));
    return out;
  }

  private static String route(Traffic.Step step) {
    return step.feature().route();
  }

  /** Whether the traffic ran inside one clock hour (UTC): then every count of it falls in that hour's bucket. */
  private boolean oneHour() {
    return trafficStart / 3_600_000 == trafficEnd / 3_600_000;
  }

  // --- errors by endpoint and user --------------------------------------------------------------------------

  @Test
  void errorDashboards_grafanaAndKibana_countTheErrorsOfThePlan_byEndpointAndUser() throws Exception {
    Map<String, Long> byRoute = count(s -> s.feature().serverError(), UsageAndErrorDashboardsTest::route);
    Map<String, Long> byUser = count(s -> s.feature().serverError(), Traffic.Step::user);
    Map<String, Long> byRouteAndUser = count(s -> s.feature().serverError(), s -> route(s) + " " + s.user());
    long total = plan.stream().filter(s -> s.feature().serverError()).count();
    assertThat(byRoute).as("the plan fails on two endpoints").containsOnlyKeys("/example", "/serverError");
    assertThat(byUser).as("for several users").hasSizeGreaterThan(3);

    long from = trafficStart - 60_000;
    long to = System.currentTimeMillis() + 60_000;
    List<DashboardQueries.Search> searches = new ArrayList<>(
        DashboardQueries.grafana("errors-by-endpoint.json", ComposeFiles.json("grafana/dashboards/errors-by-endpoint.json"), from, to));
    Map<String, JsonNode> saved = savedObjects();
    JsonNode dashboard = saved.get("dashboard:obs-demo-errors-by-endpoint-and-user");
    assertThat(dashboard).as("the Kibana dashboard").isNotNull();
    for (JsonNode ref : dashboard.path("references")) {
      JsonNode object = saved.get(ref.path("type").asText() + ":" + ref.path("id").asText());
      assertThat(object).as("the dashboard's panel %s", ref).isNotNull();
      searches.add(DashboardQueries.kibana(object, from, to));
    }
    assertThat(searches).hasSizeGreaterThanOrEqualTo(12);

    Set<String> checked = new TreeSet<>();
    for (DashboardQueries.Search s : searches) {
      JsonNode answer = search.call("POST", "/obs-demo-*/_search", "application/json", s.body().toString());
      if (s.levels().isEmpty() && s.body().path("size").asInt() > 0) {
        // the latest error lines: newest first, every one an ERROR line with its route, user and a trace id
        List<JsonNode> hits = new ArrayList<>();
        answer.at("/hits/hits").forEach(h -> hits.add(h.get("_source")));
        assertThat(hits).as(s.name()).hasSize((int) total);
        assertThat(hits).as(s.name()).allSatisfy(line -> {
          assertThat(line.path("log.level").asText()).isEqualTo("ERROR");
          assertThat(line.path("trace.id").asText()).matches("[0-9a-f]{32}");
        });
        Map<String, Long> routes = hits.stream().collect(Collectors.groupingBy(l -> l.path("http.route").asText(), TreeMap::new, Collectors.counting()));
        assertThat(routes).as(s.name()).isEqualTo(byRoute);
        List<String> times = hits.stream().map(l -> l.path("@timestamp").asText()).toList();
        assertThat(times).as(s.name() + " newest first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(receivedTraceIds()).as(s.name() + ": the newest error's trace reached Jaeger's agent")
            .contains(hits.get(0).path("trace.id").asText());
        checked.add(s.name());
        continue;
      }
      Map<List<String>, Long> rows = DashboardQueries.rows(answer, s);
      List<String> levels = s.levels().stream().filter(l -> !l.startsWith("date_histogram")).toList();
      Map<String, Long> summed = new TreeMap<>();
      for (Map.Entry<List<String>, Long> row : rows.entrySet()) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < s.levels().size(); i++) {
          if (!s.levels().get(i).startsWith("date_histogram")) {
            keys.add(row.getKey().get(i));
          }
        }
        summed.merge(String.join(" ", keys), row.getValue(), Long::sum);
      }
      summed.values().removeIf(v -> v == 0);
      Map<String, Long> expected =
          levels.equals(List.of()) ? Map.of("", total)
          : levels.equals(List.of("terms http.route")) ? byRoute
          : levels.equals(List.of("terms user.id")) ? byUser
          : levels.equals(List.of("terms http.route", "terms user.id")) ? byRouteAndUser
          : null;
      assertThat(expected).as(s.name() + " groups by " + s.levels() + ", which this test does not know").isNotNull();
      assertThat(summed).as(s.name() + " " + s.body()).isEqualTo(expected);
      checked.add(s.name());
    }
    assertThat(checked).hasSize(searches.size());
  }

  private static Map<String, JsonNode> savedObjects() throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    for (String line : Files.readAllLines(ComposeFiles.file("kibana/saved-objects.ndjson"))) {
      if (!line.isBlank()) {
        JsonNode o = DemoProcess.JSON.readTree(line);
        out.put(o.path("type").asText() + ":" + o.path("id").asText(), o);
      }
    }
    return out;
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

  // --- usage --------------------------------------------------------------------------------------------

  @Test
  void usageDashboard_logPanels_countTheUsersAndRequestsOfThePlan() throws Exception {
    long from = trafficStart - 60_000;
    long to = System.currentTimeMillis() + 60_000;
    List<DashboardQueries.Search> searches =
        DashboardQueries.grafana("usage.json", ComposeFiles.json("grafana/dashboards/usage.json"), from, to);
    assertThat(searches).hasSize(4);
    long users = plan.stream().map(Traffic.Step::user).distinct().count();
    assertThat(users).as("the plan's users").isGreaterThan(5);
    for (DashboardQueries.Search s : searches) {
      Map<List<String>, Long> rows = DashboardQueries.rows(search.call("POST", "/obs-demo-*/_search", "application/json", s.body().toString()), s);
      rows.values().removeIf(v -> v == 0);
      String how = s.name() + " " + s.body();
      switch (String.join(",", s.levels())) {
        case "date_histogram @timestamp" -> {
          String interval = s.body().findValue("fixed_interval").asText();
          assertThat(interval).as(how).isIn("1h", "1d");
          if (interval.equals("1d") || oneHour()) {
            long bucket = interval.equals("1h") ? trafficStart / 3_600_000 * 3_600_000 : trafficStart / 86_400_000 * 86_400_000;
            assertThat(rows).as(how).isEqualTo(Map.of(List.of(Long.toString(bucket)), users));
          } else {
            assertThat(rows.values().stream().mapToLong(Long::longValue).max().orElse(0)).as(how).isLessThanOrEqualTo(users);
          }
        }
        case "terms http.route" -> {
          Map<String, Long> got = new TreeMap<>();
          rows.forEach((k, v) -> got.put(k.get(0), v));
          assertThat(got).as(how).isEqualTo(distinctUsers(UsageAndErrorDashboardsTest::route));
          List<Long> order = new ArrayList<>(rows.values());
          assertThat(order).as(how + ": most users first").isSortedAccordingTo(java.util.Comparator.reverseOrder());
        }
        case "terms user.id,terms http.route" -> {
          Map<String, Long> got = new TreeMap<>();
          rows.forEach((k, v) -> got.put(k.get(0) + " " + k.get(1), v));
          assertThat(got).as(how).isEqualTo(count(s1 -> true, s1 -> s1.user() + " " + route(s1)));
        }
        default -> throw new AssertionError(how + ": groups by " + s.levels() + ", which this test does not know");
      }
    }
  }

  @Test
  void usageDashboard_prometheusPanels_countTheRequestsAndFailuresOfThePlan() throws Exception {
    Map<String, Long> requests = count(s -> true, UsageAndErrorDashboardsTest::route);
    Map<String, Long> failures = count(s -> s.feature().serverError(), UsageAndErrorDashboardsTest::route);
    JsonNode dashboard = ComposeFiles.json("grafana/dashboards/usage.json");
    String range = dashboard.at("/time/from").asText().replace("now-", "");
    long now = System.currentTimeMillis() / 1000;
    // What Prometheus stored: per route, the counters' last values (what the gateway counted) must be the
    // plan's exactly; their last minus first values are what increase() sees for sure, before it extrapolates.
    Map<String, Double> stored = new TreeMap<>();
    Map<String, Double> seen = new TreeMap<>();
    JsonNode raw = DemoProcess.JSON.readTree(prometheus.get("/api/v1/query?query="
        + PrometheusServer.encode("http_server_requests_seconds_count{service=\"gateway\"}[1h]")).body());
    for (JsonNode series : raw.at("/data/result")) {
      JsonNode points = series.path("values");
      double first = points.get(0).get(1).asDouble();
      double last = points.get(points.size() - 1).get(1).asDouble();
      stored.merge(series.at("/metric/uri").asText(), last, Double::sum);
      seen.merge(series.at("/metric/uri").asText(), last - first, Double::sum);
    }
    Map<String, Double> plannedCounts = new TreeMap<>();
    requests.forEach((k, v) -> plannedCounts.put(k, v.doubleValue()));
    assertThat(stored).as("the gateway's counters in Prometheus").isEqualTo(plannedCounts);
    int checked = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        if (!target.has("expr")) {
          continue;
        }
        String how = panel.path("title").asText();
        String expr = target.get("expr").asText().replace("$__range", range);
        Map<Map<String, String>, Double> values = new HashMap<>();
        if (target.path("range").asBoolean()) {
          // As Grafana asks: steps of the target's interval, start and end aligned to it (the end rounded up).
          long step = DemoConfig.parseDuration(target.path("interval").asText()).toSeconds();
          long start = (trafficStart / 1000 - 3600) / step * step;
          long end = (now / step + 1) * step;
          JsonNode answer = DemoProcess.JSON.readTree(prometheus.get("/api/v1/query_range?query=" + PrometheusServer.encode(expr)
              + "&start=" + start + "&end=" + end + "&step=" + step).body());
          assertThat(answer.path("status").asText()).as(how + ": " + answer).isEqualTo("success");
          for (JsonNode series : answer.at("/data/result")) {
            double sum = 0; // the panel's "reduce: Total" over the steps
            for (JsonNode point : series.path("values")) {
              sum += point.get(1).asDouble();
            }
            values.put(labels(series), sum);
          }
        } else {
          JsonNode answer = DemoProcess.JSON.readTree(prometheus.get("/api/v1/query?query=" + PrometheusServer.encode(expr)).body());
          assertThat(answer.path("status").asText()).as(how + ": " + answer).isEqualTo("success");
          for (JsonNode series : answer.at("/data/result")) {
            values.put(labels(series), series.at("/value/1").asDouble());
          }
        }
        assertThat(values).as(how + ": " + expr).isNotEmpty();
        Set<String> labelNames = values.keySet().iterator().next().keySet();
        if (labelNames.contains("hour") || labelNames.contains("weekday")) {
          String label = labelNames.contains("hour") ? "hour" : "weekday";
          String expectedBucket = label.equals("hour")
              ? String.format("%02d", Instant.ofEpochMilli(trafficStart).atZone(ZoneOffset.UTC).getHour())
              : Integer.toString(Instant.ofEpochMilli(trafficStart).atZone(ZoneOffset.UTC).getDayOfWeek().getValue() % 7);
          Map<String, Double> perRoute = new TreeMap<>();
          values.forEach((l, v) -> perRoute.merge(l.get("uri"), v, Double::sum));
          assertCounts(how, perRoute, requests, seen);
          if (oneHour()) {
            assertThat(values.keySet()).as(how + ": every count in the traffic's " + label)
                .allSatisfy(l -> assertThat(l.get(label)).isEqualTo(expectedBucket));
          }
        } else if (how.startsWith("Failure ratio")) {
          Map<String, Double> ratios = new TreeMap<>();
          values.forEach((l, v) -> ratios.put(l.get("uri"), v));
          assertThat(ratios.keySet()).as(how).isEqualTo(requests.keySet());
          for (String route : requests.keySet()) {
            double planned = (double) failures.getOrDefault(route, 0L) / requests.get(route);
            assertThat(ratios.get(route)).as(how + " " + route).isCloseTo(planned, org.assertj.core.data.Offset.offset(0.05));
          }
          assertThat(ratios.get("/serverError")).as(how + ": every /serverError fails").isEqualTo(1.0);
          assertThat(ratios.get("/call-service-b")).as(how + ": none of /call-service-b").isEqualTo(0.0);
        } else {
          Map<String, Double> perRoute = new TreeMap<>();
          values.forEach((l, v) -> perRoute.merge(l.get("uri"), v, Double::sum));
          assertCounts(how, perRoute, requests, seen);
        }
        checked++;
      }
    }
    assertThat(checked).isEqualTo(4);

    // For the demo page: the panel "Requests per feature", its query as Grafana sends it, in Prometheus's UI.
    String perFeature = null;
    for (JsonNode panel : dashboard.path("panels")) {
      if (panel.path("title").asText().equals("Requests per feature")) {
        perFeature = panel.at("/targets/0/expr").asText().replace("$__range", range);
      }
    }
    assertThat(perFeature).as("the panel 'Requests per feature'").isNotNull();
    Screenshots.take(Screenshots.prometheusGraph(prometheus, perFeature, true, "1h"), "prometheus-usage-requests-per-feature",
        720, 20_000, dom -> {
          assertThat(dom).contains("Total time series: " + requests.size());
          requests.keySet().forEach(route -> assertThat(dom).contains("<td>{uri=\"" + route + "\"}</td>"));
        });
  }

  /**
   * A panel's counts per route against the plan's: the same routes, and each count between what increase()
   * sees for sure (the counters' last minus first values: a series' count before its first scrape is not
   * seen) and the plan's count plus 10 % (increase() extrapolates to the ends of its window, here by at most
   * a scrape interval over a run of half a minute). The exact counts are checked on the stored counters.
   */
  private static void assertCounts(String how, Map<String, Double> got, Map<String, Long> planned, Map<String, Double> seen) {
    System.out.println(how + ": Prometheus " + got + ", planned " + planned + ", seen for sure " + seen);
    assertThat(got.keySet()).as(how + ": " + got).isEqualTo(planned.keySet());
    for (Map.Entry<String, Long> e : planned.entrySet()) {
      assertThat(got.get(e.getKey())).as(how + " " + e.getKey() + " in " + got + ", planned " + planned + ", seen " + seen)
          .isBetween(seen.get(e.getKey()) - 1e-9, e.getValue() * 1.1);
    }
  }

  private static Map<String, String> labels(JsonNode series) {
    Map<String, String> labels = new TreeMap<>();
    series.path("metric").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
    return labels;
  }
}
