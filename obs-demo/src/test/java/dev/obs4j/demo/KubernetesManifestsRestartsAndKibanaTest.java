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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What issue 23 adds to the Kubernetes layout so that the compose stack's dashboards and Kibana objects work in
 * the cluster from the same files: kube-state-metrics for the cluster panels of "Restarts and crashes", scraped
 * so that the panels' queries answer, and the Job that imports the compose stack's Kibana saved objects with
 * the compose stack's own import.sh.
 */
class KubernetesManifestsRestartsAndKibanaTest {

  private static final Pattern KUBE_METRIC = Pattern.compile("\\bkube_[a-z_]+\\b");

  // --- kube-state-metrics ------------------------------------------------------------------------------------

  /** Installed as upstream's standard manifests, narrowed to the series the dashboards read, read-only. */
  @Test
  void kubeStateMetrics_exposesExactlyTheSeriesTheDashboardsRead_withAReadOnlyRole() throws Exception {
    List<JsonNode> monitoring = KubernetesManifests.render("monitoring");
    JsonNode deployment = KubernetesManifests.named(monitoring, "Deployment", "kube-state-metrics");
    JsonNode pod = deployment.at("/spec/template/spec");
    JsonNode c = pod.at("/containers/0");
    assertThat(c.path("image").asText()).matches("registry\\.k8s\\.io/kube-state-metrics/kube-state-metrics:v2\\.\\d+\\.\\d+");
    Map<String, String> args = new HashMap<>();
    c.path("args").forEach(a -> args.put(a.asText().replaceFirst("=.*", ""), a.asText().replaceFirst("^[^=]*=", "")));
    assertThat(args).containsEntry("--resources", "pods").containsEntry("--namespaces", "obs-demo");

    // Every kube_* series a compose dashboard queries, and no other, is allowed.
    Set<String> queried = new TreeSet<>();
    for (Path dashboard : ComposeFiles.list("grafana/dashboards", ".json")) {
      Matcher m = KUBE_METRIC.matcher(Files.readString(dashboard));
      while (m.find()) {
        queried.add(m.group());
      }
    }
    assertThat(queried).contains("kube_pod_container_status_restarts_total", "kube_pod_container_status_last_terminated_reason");
    assertThat(new TreeSet<>(List.of(args.getOrDefault("--metric-allowlist", "").split(","))))
        .as("--metric-allowlist").isEqualTo(queried);

    assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/livez");
    assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/readyz");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(c.at("/resources/limits/memory").asText()).isNotEmpty();

    // Its ServiceAccount is bound to one role that may only list and watch what --resources names.
    String account = pod.path("serviceAccountName").asText();
    assertThat(account).isEqualTo("kube-state-metrics");
    KubernetesManifests.named(monitoring, "ServiceAccount", account);
    List<JsonNode> bindings = new ArrayList<>();
    for (String kind : List.of("ClusterRoleBinding", "RoleBinding")) {
      for (JsonNode b : KubernetesManifests.ofKind(monitoring, kind)) {
        for (JsonNode s : b.path("subjects")) {
          if (s.path("name").asText().equals(account)) {
            bindings.add(b);
          }
        }
      }
    }
    assertThat(bindings).hasSize(1);
    JsonNode role = KubernetesManifests.named(monitoring, bindings.get(0).at("/roleRef/kind").asText(),
        bindings.get(0).at("/roleRef/name").asText());
    Set<String> verbs = new TreeSet<>();
    Set<String> resources = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      rule.path("verbs").forEach(v -> verbs.add(v.asText()));
      rule.path("resources").forEach(r -> resources.add(rule.path("apiGroups").get(0).asText() + "/" + r.asText()));
    }
    assertThat(verbs).containsExactly("list", "watch");
    assertThat(resources).containsExactly("/pods");

    // Prometheus may reach it, it may reach the API server, nothing else.
    JsonNode policy = KubernetesManifests.named(monitoring, "NetworkPolicy", "kube-state-metrics");
    assertThat(policy.at("/spec/ingress").toString()).contains("\"prometheus\"").contains("8080");
    assertThat(policy.at("/spec/egress").toString()).contains("443").contains("6443");
    assertThat(KubernetesManifests.named(monitoring, "NetworkPolicy", "prometheus").at("/spec/egress").toString())
        .contains("\"kube-state-metrics\"");
  }

  /** The shipped job reaches the shipped Service, and keeps the labels the dashboard filters on. */
  @Test
  void kubeStateMetricsScrapeJob_targetsItsServiceAndHonoursItsLabels() throws Exception {
    List<JsonNode> monitoring = KubernetesManifests.render("monitoring");
    JsonNode job = kubeStateMetricsJob(monitoring);
    assertThat(job.path("honor_labels").asBoolean()).as("honor_labels").isTrue();
    JsonNode service = KubernetesManifests.named(monitoring, "Service", "kube-state-metrics");
    assertThat(job.at("/static_configs/0/targets/0").asText())
        .isEqualTo(service.at("/metadata/name").asText() + ":" + service.at("/spec/ports/0/port").asInt());
    assertThat(service.at("/spec/selector/app.kubernetes.io~1name").asText()).isEqualTo("kube-state-metrics");
    for (String relabel : List.of("relabel_configs", "metric_relabel_configs")) {
      for (JsonNode r : job.path(relabel)) {
        assertThat(r.path("target_label").asText()).isNotIn("namespace", "pod", "container");
      }
    }
    assertThat(job.at("/static_configs/0/labels").isMissingNode()).isTrue();
  }

  /**
   * Prometheus (the real one) scrapes a stand-in for kube-state-metrics, serving what it serves for the pods
   * of obs-demo, through the shipped job; the restarts dashboard's own cluster queries then answer per service.
   */
  @Test
  void kubeStateMetricsJob_feedsTheRestartsDashboardsClusterPanels(@TempDir Path dir) throws Exception {
    JsonNode config = KubernetesManifests.YAML.readTree(
        KubernetesManifests.named(KubernetesManifests.render("monitoring"), "ConfigMap", configMapName("monitoring", "prometheus-config"))
            .at("/data/prometheus.yml").asText());
    AtomicInteger restarts = new AtomicInteger();
    HttpServer ksm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ksm.createContext("/metrics", exchange -> {
      String pod = "namespace=\"obs-demo\",pod=\"gateway-7c9d8f6b4-x2k9q\",uid=\"3f1c\",container=\"demo\"";
      String body = String.join("\n",
          "# HELP kube_pod_container_status_restarts_total The number of container restarts per container.",
          "# TYPE kube_pod_container_status_restarts_total counter",
          "kube_pod_container_status_restarts_total{" + pod + "} " + restarts.getAndIncrement(),
          "# HELP kube_pod_container_status_last_terminated_reason Describes the last reason the container was in terminated state.",
          "# TYPE kube_pod_container_status_last_terminated_reason gauge",
          "kube_pod_container_status_last_terminated_reason{" + pod + ",reason=\"OOMKilled\"} 1",
          "");
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    ksm.start();
    try {
      ObjectNode job = (ObjectNode) kubeStateMetricsJob(config).deepCopy();
      ((ObjectNode) job.at("/static_configs/0")).putArray("targets").add("127.0.0.1:" + ksm.getAddress().getPort());
      ObjectNode only = KubernetesManifests.YAML.createObjectNode();
      only.set("global", config.path("global"));
      only.putArray("scrape_configs").add(job);
      Path file = dir.resolve("prometheus.yml");
      KubernetesManifests.YAML.writeValue(file.toFile(), only);
      try (PrometheusServer prometheus = PrometheusServer.withConfig(file, List.of())) {
        Map<String, String> panels = clusterQueries();
        String reason = panels.get("Last exit reason (Kubernetes)").replace("$service", "gateway");
        String perService = panels.get("Container restarts (Kubernetes), last 15 minutes").replace("$service", "gateway");
        prometheus.await("/api/v1/query?query=" + PrometheusServer.encode(reason), b -> b.contains("\"result\":[{"), 60);
        JsonNode row = query(prometheus, reason).at("/data/result/0/metric");
        assertThat(row.path("pod").asText()).isEqualTo("gateway-7c9d8f6b4-x2k9q");
        assertThat(row.path("container").asText()).isEqualTo("demo");
        assertThat(row.path("reason").asText()).isEqualTo("OOMKilled");

        prometheus.await("/api/v1/query?query=" + PrometheusServer.encode(perService + " > 0"),
            b -> b.contains("\"result\":[{"), 60);
        JsonNode series = query(prometheus, perService).at("/data/result");
        assertThat(series).hasSize(1);
        assertThat(series.at("/0/metric/service").asText()).isEqualTo("gateway");
        assertThat(query(prometheus, "up{job=\"kube-state-metrics\"}").at("/data/result/0/value/1").asText()).isEqualTo("1");
      }
    } finally {
      ksm.stop(0);
    }
  }

  /** The two cluster panels' queries of restarts.json, by panel title, exactly as Grafana sends them. */
  private static Map<String, String> clusterQueries() throws IOException {
    Map<String, String> queries = new HashMap<>();
    for (JsonNode panel : ComposeFiles.json("grafana/dashboards/restarts.json").path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        if (target.path("expr").asText().contains("kube_")) {
          queries.put(panel.path("title").asText(), target.path("expr").asText());
        }
      }
    }
    assertThat(queries).hasSize(2);
    return queries;
  }

  private static JsonNode kubeStateMetricsJob(List<JsonNode> monitoring) throws IOException, InterruptedException {
    JsonNode map = KubernetesManifests.named(monitoring, "ConfigMap", configMapName("monitoring", "prometheus-config"));
    return kubeStateMetricsJob(KubernetesManifests.YAML.readTree(map.at("/data/prometheus.yml").asText()));
  }

  private static JsonNode kubeStateMetricsJob(JsonNode config) {
    for (JsonNode job : config.path("scrape_configs")) {
      if (job.path("job_name").asText().equals("kube-state-metrics")) {
        return job;
      }
    }
    throw new AssertionError("no scrape job kube-state-metrics in prometheus.yml");
  }

  private static JsonNode query(PrometheusServer prometheus, String expr) throws IOException, InterruptedException {
    return DemoProcess.JSON.readTree(prometheus.get("/api/v1/query?query=" + PrometheusServer.encode(expr)).body());
  }

  // --- Kibana saved objects ----------------------------------------------------------------------------------

  /** The Job runs the compose stack's import.sh beside the compose stack's saved objects, byte for byte. */
  @Test
  void kibanaSetupJob_runsTheComposeImportScriptOnTheComposeSavedObjects() throws Exception {
    List<JsonNode> logging = KubernetesManifests.render("logging");
    JsonNode job = KubernetesManifests.named(logging, "Job", "kibana-setup");
    JsonNode pod = job.at("/spec/template/spec");
    JsonNode c = pod.at("/containers/0");
    String mapName = null;
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals("saved-objects")) {
        mapName = v.at("/configMap/name").asText();
      }
    }
    assertThat(mapName).startsWith("kibana-saved-objects-");
    JsonNode map = KubernetesManifests.named(logging, "ConfigMap", mapName);
    assertThat(iterable(map.path("data").fieldNames())).containsExactlyInAnyOrder("import.sh", "saved-objects.ndjson");
    assertThat(map.at("/data/saved-objects.ndjson").asText())
        .isEqualTo(Files.readString(ComposeFiles.file("kibana/saved-objects.ndjson")));
    assertThat(map.at("/data/import.sh").asText()).isEqualTo(Files.readString(ComposeFiles.file("kibana/import.sh")));

    String mountPath = null;
    for (JsonNode m : c.path("volumeMounts")) {
      if (m.path("name").asText().equals("saved-objects")) {
        mountPath = m.path("mountPath").asText();
      }
    }
    assertThat(c.path("command").toString()).isEqualTo("[\"bash\",\"" + mountPath + "/import.sh\"]");

    Map<String, JsonNode> env = new HashMap<>();
    c.path("env").forEach(e -> env.put(e.path("name").asText(), e));
    assertThat(env.get("KIBANA_URL").path("value").asText()).startsWith("https://");
    assertThat(env.get("INSTALL_INDEX_TEMPLATE").path("value").asText()).isEqualTo("false");
    for (String secret : List.of("KIBANA_USERNAME", "KIBANA_PASSWORD")) {
      assertThat(env.get(secret).at("/valueFrom/secretKeyRef/name").asText()).as(secret).isEqualTo("kibana-setup");
    }
    // The CA file the script is told about is one the pod mounts.
    String ca = env.get("KIBANA_CA").path("value").asText();
    assertThat(iterable(c.path("volumeMounts").elements()))
        .anySatisfy(m -> assertThat(ca).startsWith(m.path("mountPath").asText() + "/"));
    assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();

    JsonNode policy = KubernetesManifests.named(logging, "NetworkPolicy", "kibana-setup");
    assertThat(policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo("kibana-setup");
    assertThat(policy.at("/spec/egress").toString()).contains("5601");
  }

  /**
   * The files of the rendered ConfigMap, laid out as the kubelet mounts them, run with the Job's environment
   * against a stand-in Kibana (Kibana does not run here): the credentials reach Kibana as basic auth (a password
   * with a quote and a backslash too), the saved objects arrive whole, and Elasticsearch is never asked (the
   * Job elasticsearch-setup owns the index template). Run as compose runs it, the script still installs the
   * template first, without credentials.
   */
  @Test
  void importScript_asTheJobRunsIt_authenticatesToKibanaAndLeavesTheTemplateAlone(@TempDir Path dir) throws Exception {
    List<JsonNode> logging = KubernetesManifests.render("logging");
    JsonNode map = KubernetesManifests.named(logging, "ConfigMap", configMapName("logging", "kibana-saved-objects"));
    Path mounted = Files.createDirectories(dir.resolve("setup/kibana"));
    for (String name : List.of("import.sh", "saved-objects.ndjson")) {
      Files.writeString(mounted.resolve(name), map.at("/data/" + name).asText());
    }
    JsonNode container = KubernetesManifests.named(logging, "Job", "kibana-setup").at("/spec/template/spec/containers/0");

    try (FakeServer kibana = new FakeServer(); FakeServer elasticsearch = new FakeServer()) {
      Map<String, String> env = new HashMap<>();
      for (JsonNode e : container.path("env")) {
        if (e.has("value")) {
          env.put(e.path("name").asText(), e.path("value").asText());
        }
      }
      String password = "pa\"ss\\word";
      env.put("KIBANA_URL", kibana.url());
      env.remove("KIBANA_CA"); // the stand-in speaks plain HTTP
      env.put("KIBANA_USERNAME", "obs-demo-setup");
      env.put("KIBANA_PASSWORD", password);
      env.put("ES_URL", elasticsearch.url());
      env.put("WAIT_SECONDS", "20");
      Run job = run(env, "bash", mounted.resolve("import.sh").toString());
      assertThat(job.exit()).as(job.output()).isZero();
      assertThat(elasticsearch.requests).isEmpty();
      assertThat(kibana.requests).extracting(Request::line)
          .contains("GET /api/status", "POST /api/saved_objects/_import?overwrite=true", "POST /api/data_views/default");
      String basic = "Basic " + Base64.getEncoder().encodeToString(("obs-demo-setup:" + password).getBytes(StandardCharsets.UTF_8));
      assertThat(kibana.requests).allSatisfy(r -> assertThat(r.authorization()).isEqualTo(basic));
      Request imported = kibana.requests.stream().filter(r -> r.line().contains("_import")).findFirst().orElseThrow();
      assertThat(imported.body()).contains(Files.readString(ComposeFiles.file("kibana/saved-objects.ndjson")));
      assertThat(imported.kbnXsrf()).isEqualTo("true");
      assertThat(job.output()).doesNotContain(password);
    }

    // As compose runs it: the compose folder itself, no credentials, the index template installed first.
    try (FakeServer kibana = new FakeServer(); FakeServer elasticsearch = new FakeServer()) {
      Run compose = run(Map.of("ES_URL", elasticsearch.url(), "KIBANA_URL", kibana.url(), "WAIT_SECONDS", "20"),
          "bash", ComposeFiles.file("kibana/import.sh").toString());
      assertThat(compose.exit()).as(compose.output()).isZero();
      assertThat(elasticsearch.requests).extracting(Request::line).contains("PUT /_index_template/obs-demo");
      Request template = elasticsearch.requests.stream().filter(r -> r.line().startsWith("PUT")).findFirst().orElseThrow();
      assertThat(template.body()).isEqualTo(Files.readString(ComposeFiles.file("elasticsearch/index-template.json")));
      assertThat(kibana.requests).extracting(Request::line).contains("POST /api/saved_objects/_import?overwrite=true");
      assertThat(Stream.concat(kibana.requests.stream(), elasticsearch.requests.stream()))
          .allSatisfy(r -> assertThat(r.authorization()).isNull());
    }
  }

  // --- helpers -----------------------------------------------------------------------------------------------

  /** The hashed name kustomize gave the generated ConfigMap {@code prefix} in that kustomization. */
  private static String configMapName(String kustomization, String prefix) throws IOException, InterruptedException {
    Set<String> names = new LinkedHashSet<>();
    for (JsonNode map : KubernetesManifests.ofKind(KubernetesManifests.render(kustomization), "ConfigMap")) {
      String name = map.at("/metadata/name").asText();
      if (name.startsWith(prefix + "-")) {
        names.add(name);
      }
    }
    assertThat(names).as("ConfigMap " + prefix + " in " + kustomization).hasSize(1);
    return names.iterator().next();
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    List<T> list = new ArrayList<>();
    it.forEachRemaining(list::add);
    return list;
  }

  record Run(int exit, String output) {}

  private static Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " took more than two minutes");
    }
    return new Run(p.exitValue(), out);
  }

  record Request(String line, String authorization, String kbnXsrf, String body) {}

  /**
   * Answers what Kibana and Elasticsearch answer to the calls import.sh makes (status available, cluster
   * yellow, import successful), and records each request.
   */
  static final class FakeServer implements AutoCloseable {
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeServer() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String line = exchange.getRequestMethod() + " " + exchange.getRequestURI();
        requests.add(new Request(line, exchange.getRequestHeaders().getFirst("Authorization"),
            exchange.getRequestHeaders().getFirst("kbn-xsrf"), body));
        String answer;
        if (line.startsWith("GET /api/status")) {
          answer = "{\"status\":{\"overall\":{\"level\":\"available\"}}}";
        } else if (line.startsWith("GET /_cluster/health")) {
          answer = "{\"cluster_name\":\"it\",\"status\":\"yellow\"}";
        } else if (line.contains("/api/saved_objects/_import")) {
          answer = "{\"success\":true,\"successCount\":9}";
        } else {
          answer = "{\"acknowledged\":true}";
        }
        byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
