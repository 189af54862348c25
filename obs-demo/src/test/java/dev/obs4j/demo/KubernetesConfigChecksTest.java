/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The configuration files of obs-demo/kubernetes that are not Kubernetes objects, checked by the tools that
 * run here (promtool) or against the keys their projects document, recorded as test data with the version
 * and source they come from: the Jaeger chart's values, Fluent Bit's configuration. The compose stack's
 * rules, dashboards, routing and index template are used by the cluster as they are, never copied.
 */
class KubernetesConfigChecksTest {

  // --- Prometheus -------------------------------------------------------------------------------------------

  /**
   * promtool checks the scrape configuration with the compose stack's rules beside it, as the Deployment
   * mounts them. promtool never calls the Kubernetes API for this. Debian's promtool (2.42 here) is built
   * without Kubernetes service discovery and refuses the key kubernetes_sd_configs itself: then promtool
   * checks the file with each kubernetes_sd_configs block in place of an empty static_configs (rules,
   * alerting, relabelling, everything else), and the blocks themselves are checked against the keys and
   * roles of Prometheus's kubernetes SDConfig (discovery/kubernetes/kubernetes.go).
   */
  @Test
  void promtool_acceptsTheKubernetesScrapeConfigurationAndRejectsATypo(@TempDir Path dir) throws Exception {
    String shipped = Files.readString(k8s("monitoring/prometheus.yml"));
    Result direct = run("promtool", "check", "config", prometheusWithRules(dir.resolve("as-shipped"), shipped).toString());
    String checked = shipped;
    if (direct.exit() != 0) {
      assertThat(direct.output())
          .as("promtool refuses the file only for want of Kubernetes discovery")
          .contains("field kubernetes_sd_configs not found")
          .doesNotContainPattern("line \\d+: field (?!kubernetes_sd_configs)");
      checked = withoutKubernetesDiscovery(shipped);
      assertThat(checked).doesNotContain("kubernetes_sd_configs");
    }
    Result ok = run("promtool", "check", "config", prometheusWithRules(dir.resolve("checked"), checked).toString());
    assertThat(ok.exit()).as(ok.output()).isZero();
    assertThat(ok.output()).contains("SUCCESS").contains("2 rule files found").doesNotContain("FAILED");

    String typo = checked.replace("relabel_configs:", "relabel_config:");
    Result bad = run("promtool", "check", "config", prometheusWithRules(dir.resolve("typo"), typo).toString());
    assertThat(bad.exit()).isNotZero();
    assertThat(bad.output()).contains("relabel_config");
  }

  /** Keys of Prometheus's kubernetes_sd_configs (SDConfig and NamespaceDiscovery yaml tags) and its roles. */
  private static final Set<String> KUBERNETES_SD_KEYS =
      Set.of("role", "namespaces", "selectors", "api_server", "kubeconfig_file", "attach_metadata",
          "preferred_node_address_types");
  private static final Set<String> KUBERNETES_SD_ROLES =
      Set.of("pod", "service", "endpoints", "endpointslice", "node", "ingress");

  @Test
  void kubernetesDiscoveryBlocks_useOnlyPrometheusKeysAndRoles() throws Exception {
    JsonNode config = KubernetesManifests.YAML.readTree(k8s("monitoring/prometheus.yml").toFile());
    int blocks = 0;
    for (JsonNode job : config.path("scrape_configs")) {
      for (JsonNode sd : job.path("kubernetes_sd_configs")) {
        blocks++;
        assertThat(iterable(sd.fieldNames())).isSubsetOf(KUBERNETES_SD_KEYS);
        assertThat(KUBERNETES_SD_ROLES).contains(sd.path("role").asText());
        assertThat(iterable(sd.path("namespaces").fieldNames())).isSubsetOf(Set.of("names", "own_namespace"));
      }
    }
    assertThat(blocks).isEqualTo(2);
  }

  /** Each kubernetes_sd_configs block, in place of an empty static_configs at the same indentation. */
  static String withoutKubernetesDiscovery(String config) {
    StringBuilder out = new StringBuilder();
    String indent = null;
    for (String line : config.split("\n", -1)) {
      if (indent != null) {
        if (line.isBlank() || line.startsWith(indent + " ")) {
          continue;
        }
        indent = null;
      }
      int at = line.indexOf("kubernetes_sd_configs:");
      if (at >= 0 && line.substring(0, at).isBlank()) {
        indent = line.substring(0, at);
        out.append(indent).append("static_configs: [{targets: []}]\n");
        continue;
      }
      out.append(line).append('\n');
    }
    return out.toString();
  }

  private static Path prometheusWithRules(Path dir, String config) throws IOException {
    Files.createDirectories(dir.resolve("rules"));
    Path file = dir.resolve("prometheus.yml");
    Files.writeString(file, config);
    for (Path rule : ComposeFiles.list("prometheus/rules", ".yml")) {
      Files.copy(rule, dir.resolve("rules").resolve(rule.getFileName()));
    }
    return file;
  }

  @Test
  void scrapeConfiguration_keepsTheComposeJobAndPartLabelThatTheRulesUse() throws Exception {
    JsonNode config = KubernetesManifests.YAML.readTree(k8s("monitoring/prometheus.yml").toFile());
    JsonNode demo = config.path("scrape_configs").get(0);
    assertThat(demo.path("job_name").asText()).isEqualTo("obs-demo");
    assertThat(demo.at("/kubernetes_sd_configs/0/role").asText()).isEqualTo("pod");
    assertThat(demo.at("/kubernetes_sd_configs/0/namespaces/names").toString()).isEqualTo("[\"obs-demo\"]");
    assertThat(demo.path("relabel_configs").toString())
        .contains("\"target_label\":\"part\"")
        .doesNotContain("\"target_label\":\"service\"");
    assertThat(Files.readString(ComposeFiles.file("prometheus/rules/obs-demo-alerts.yml")))
        .contains("up{job=\"obs-demo\"}")
        .contains("$labels.part");
    assertThat(config.at("/rule_files/0").asText()).isEqualTo("rules/*.yml");
  }

  // --- Files shared with compose ----------------------------------------------------------------------------

  /** The cluster's ConfigMaps hold the compose stack's files byte for byte, and no copy of one lives here. */
  @Test
  void composeFiles_areReusedByTheClusterNotCopied() throws Exception {
    List<JsonNode> monitoring = KubernetesManifests.render("monitoring");
    List<JsonNode> logging = KubernetesManifests.render("logging");
    Map<String, String> shared =
        Map.of(
            "prometheus-rules", "prometheus/rules",
            "grafana-dashboards", "grafana/dashboards",
            "alertmanager-config", "alertmanager",
            "grafana-dashboard-provider", "grafana/provisioning/dashboards",
            "grafana-alerting", "grafana/provisioning/alerting",
            "obs-demo-index-template", "elasticsearch");
    int files = 0;
    for (Map.Entry<String, String> e : shared.entrySet()) {
      JsonNode map =
          Stream.concat(monitoring.stream(), logging.stream())
              .filter(o -> o.path("kind").asText().equals("ConfigMap"))
              .filter(o -> o.at("/metadata/name").asText().startsWith(e.getKey() + "-"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no ConfigMap " + e.getKey()));
      Set<String> expected = new HashSet<>();
      try (Stream<Path> inDir = Files.list(ComposeFiles.file(e.getValue()))) {
        inDir.filter(p -> p.toString().matches(".*\\.(yml|json)$")).forEach(p -> expected.add(p.getFileName().toString()));
      }
      assertThat(iterable(map.path("data").fieldNames())).as(e.getKey()).containsExactlyInAnyOrderElementsOf(expected);
      for (String name : expected) {
        assertThat(map.path("data").path(name).asText())
            .as(e.getKey() + " " + name)
            .isEqualTo(Files.readString(ComposeFiles.file(e.getValue() + "/" + name)));
        files++;
      }
    }
    assertThat(files).isGreaterThanOrEqualTo(9);

    Set<String> composeContents = new HashSet<>();
    try (Stream<Path> all = Files.walk(ComposeFiles.dir())) {
      for (Path p : all.filter(Files::isRegularFile).filter(p -> !p.toString().contains("node_modules")).toList()) {
        composeContents.add(Files.readString(p, StandardCharsets.ISO_8859_1).strip());
      }
    }
    try (Stream<Path> all = Files.walk(KubernetesManifests.dir())) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        assertThat(composeContents).as("%s is a copy of a compose file", p).doesNotContain(Files.readString(p, StandardCharsets.ISO_8859_1).strip());
      }
    }
  }

  /** The setup Job installs the shared index template with the retention policy added, nothing else changed. */
  @Test
  void elasticsearchSetup_addsTheRetentionPolicyToTheSharedTemplate() throws Exception {
    Result printed =
        run(
            Map.of("TEMPLATE", ComposeFiles.file("elasticsearch/index-template.json").toString()),
            "bash", k8s("logging/setup-elasticsearch.sh").toString(), "--print-template");
    assertThat(printed.exit()).as(printed.output()).isZero();
    JsonNode installed = DemoProcess.JSON.readTree(printed.output());
    ObjectNode expected = (ObjectNode) ComposeFiles.json("elasticsearch/index-template.json").deepCopy();
    ObjectNode settings = (ObjectNode) expected.at("/template/settings");
    ObjectNode withPolicy = DemoProcess.JSON.createObjectNode().put("index.lifecycle.name", "obs-demo-logs");
    withPolicy.setAll(settings);
    ((ObjectNode) expected.path("template")).set("settings", withPolicy);
    assertThat(installed).isEqualTo(expected);

    Result badDays =
        run(
            Map.of("RETENTION_DAYS", "7d", "TEMPLATE", "/nonexistent"),
            "bash", k8s("logging/setup-elasticsearch.sh").toString());
    assertThat(badDays.exit()).isEqualTo(2);
    assertThat(badDays.output()).contains("RETENTION_DAYS");
  }

  // --- Jaeger's Helm chart ----------------------------------------------------------------------------------

  /**
   * Every key of jaeger-values.yaml is one the pinned chart (4.11.1) reads: named by a template, or below a
   * value a template passes on whole (toYaml), or documented in values.yaml under an object a template reads.
   * The chart's own values.yaml has topologySpreadContraints, which no template reads: that key fails too.
   */
  @Test
  void jaegerValues_useOnlyKeysThePinnedChartReads() throws Exception {
    ChartKeys chart = ChartKeys.load();
    JsonNode values = KubernetesManifests.YAML.readTree(k8s("tracing/jaeger-values.yaml").toFile());
    assertThat(chart.unknown(values)).isEmpty();

    ObjectNode typo = values.deepCopy();
    ((ObjectNode) typo.path("jaeger")).set("replica", typo.path("jaeger").path("replicas"));
    ((ObjectNode) typo.path("jaeger")).set("topologySpreadContraints", typo.path("jaeger").path("topologySpreadConstraints"));
    ((ObjectNode) typo.path("esIndexCleaner")).put("numberOfDay", 7);
    assertThat(chart.unknown(typo))
        .containsExactlyInAnyOrder("jaeger.replica", "jaeger.topologySpreadContraints", "esIndexCleaner.numberOfDay");
  }

  /** The parts of the values that the chart copies into its pod templates are Kubernetes types: check them so. */
  @Test
  void jaegerValues_kubernetesPartsMatchTheKubernetesApi() throws Exception {
    JsonNode values = KubernetesManifests.YAML.readTree(k8s("tracing/jaeger-values.yaml").toFile());
    List<String> problems = new ArrayList<>();
    typed(values.at("/jaeger/strategy"), DeploymentStrategy.class, "jaeger.strategy", problems);
    typed(values.at("/jaeger/resources"), ResourceRequirements.class, "jaeger.resources", problems);
    typed(values.at("/jaeger/podSecurityContext"), PodSecurityContext.class, "jaeger.podSecurityContext", problems);
    typed(values.at("/jaeger/securityContext"), SecurityContext.class, "jaeger.securityContext", problems);
    typed(values.at("/esIndexCleaner/podSecurityContext"), PodSecurityContext.class, "esIndexCleaner.podSecurityContext", problems);
    typed(values.at("/esIndexCleaner/securityContext"), SecurityContext.class, "esIndexCleaner.securityContext", problems);
    eachTyped(values.at("/jaeger/extraVolumes"), Volume.class, "jaeger.extraVolumes", problems);
    eachTyped(values.at("/jaeger/extraVolumeMounts"), VolumeMount.class, "jaeger.extraVolumeMounts", problems);
    eachTyped(values.at("/jaeger/topologySpreadConstraints"), TopologySpreadConstraint.class, "jaeger.topologySpreadConstraints", problems);
    eachTyped(values.at("/esIndexCleaner/extraEnv"), EnvVar.class, "esIndexCleaner.extraEnv", problems);
    assertThat(problems).isEmpty();

    List<String> planted = new ArrayList<>();
    ObjectNode bad = values.at("/jaeger/securityContext").deepCopy();
    bad.put("readOnlyRootFileSystem", true);
    typed(bad, SecurityContext.class, "jaeger.securityContext", planted);
    assertThat(planted).containsExactly("jaeger.securityContext.readOnlyRootFileSystem: unknown field");
  }

  /**
   * The values, the tracing kustomization and the demo's settings agree: the strategies file is mounted
   * from the ConfigMap the kustomization makes, where remote sampling reads it; the gRPC sampling port the
   * demo polls is served and on the Service; no password is in the file.
   */
  @Test
  void jaegerValues_agreeWithTheTracingKustomizationAndTheDemo() throws Exception {
    JsonNode values = KubernetesManifests.YAML.readTree(k8s("tracing/jaeger-values.yaml").toFile());
    List<JsonNode> tracing = KubernetesManifests.render("tracing");
    JsonNode strategies = KubernetesManifests.named(tracing, "ConfigMap", "jaeger-sampling-strategies");
    assertThat(values.at("/jaeger/extraVolumes/0/configMap/name").asText()).isEqualTo("jaeger-sampling-strategies");
    String mount = values.at("/jaeger/extraVolumeMounts/0/mountPath").asText();
    assertThat(values.at("/userconfig/extensions/remote_sampling/file/path").asText())
        .isEqualTo(mount + "/sampling-strategies.json");
    assertThat(strategies.path("data").has("sampling-strategies.json")).isTrue();
    assertThat(values.at("/userconfig/extensions/remote_sampling/grpc/endpoint").asText()).endsWith(":5779");
    assertThat(values.at("/jaeger/service/extraPorts/0/port").asInt()).isEqualTo(5779);
    assertThat(values.at("/jaeger/replicas").asInt()).isGreaterThanOrEqualTo(2);
    assertThat(values.at("/userconfig/receivers/otlp/protocols/grpc/endpoint").asText()).endsWith(":4317");
    JsonNode es = values.at("/userconfig/extensions/jaeger_storage/backends/spans/elasticsearch");
    assertThat(es.at("/server_urls/0").asText()).startsWith("https://");
    assertThat(es.at("/tls/ca_file").asText()).startsWith("/etc/jaeger/elasticsearch/");
    assertThat(es.at("/auth/basic/password_file").asText()).startsWith("/etc/jaeger/elasticsearch/");
    assertThat(es.at("/auth/basic").has("password")).isFalse();
    assertThat(Files.readString(k8s("tracing/jaeger-values.yaml"))).doesNotContainPattern("(?m)^\\s*password:\\s*\\S");
    assertThat(values.at("/esIndexCleaner/enabled").asBoolean()).isTrue();

    // The demo polls this Service and port; the agent forwards to its OTLP port.
    assertThat(Files.readString(k8s("base/settings.env"))).contains("endpoint=http://jaeger.tracing:5779");
    JsonNode agent = KubernetesManifests.YAML.readTree(k8s("tracing/agent-config.yaml").toFile());
    assertThat(agent.at("/exporters/otlp_grpc/endpoint").asText()).isEqualTo("jaeger.tracing.svc:4317");
    assertThat(agent.at("/receivers/jaeger/protocols/thrift_compact/endpoint").asText()).isEqualTo("0.0.0.0:6831");
    assertThat(agent.at("/service/pipelines/traces/exporters").toString()).isEqualTo("[\"otlp_grpc\"]");
    JsonNode daemonSet = KubernetesManifests.named(tracing, "DaemonSet", "otel-agent");
    JsonNode port = daemonSet.at("/spec/template/spec/containers/0/ports/0");
    assertThat(port.path("hostPort").asInt()).isEqualTo(6831);
    assertThat(port.path("protocol").asText()).isEqualTo("UDP");
  }

  /** Health checks never, the order path always, everything else by a probabilistic default below 1. */
  @Test
  void samplingStrategies_neverHealthChecks_alwaysTheOrderPath_probabilisticDefault() throws Exception {
    JsonNode file = DemoProcess.JSON.readTree(k8s("tracing/sampling-strategies.json").toFile());
    JsonNode def = file.path("default_strategy");
    assertThat(def.path("type").asText()).isEqualTo("probabilistic");
    assertThat(def.path("param").asDouble()).isGreaterThan(0).isLessThan(1);
    assertThat(operation(def, "GET /healthy")).isEqualTo(0.0);
    assertThat(operation(def, "GET /healthy/ready")).isEqualTo(0.0);
    JsonNode gateway = file.path("service_strategies").get(0);
    assertThat(gateway.path("service").asText()).isEqualTo("gateway");
    assertThat(operation(gateway, "POST /orders")).isEqualTo(1.0);
    for (JsonNode s : file.path("service_strategies")) {
      for (JsonNode op : s.path("operation_strategies")) {
        assertThat(op.path("type").asText()).as("Jaeger serves only probabilistic per operation").isEqualTo("probabilistic");
      }
    }
  }

  private static double operation(JsonNode strategy, String name) {
    for (JsonNode op : strategy.path("operation_strategies")) {
      if (op.path("operation").asText().equals(name)) {
        return op.path("param").asDouble();
      }
    }
    throw new AssertionError("no operation strategy for " + name);
  }

  // --- Fluent Bit -------------------------------------------------------------------------------------------

  /** Every key of fluent-bit.yaml is one the Fluent Bit manual documents for its section or plugin. */
  @Test
  void fluentBitConfiguration_usesOnlyDocumentedKeys() throws Exception {
    Set<String> documented = new HashSet<>();
    for (String line : resource("kubernetes/fluent-bit-keys.txt").lines().toList()) {
      if (!line.startsWith("#") && !line.isBlank()) {
        documented.add(line.strip());
      }
    }
    JsonNode config = KubernetesManifests.YAML.readTree(k8s("logging/fluent-bit.yaml").toFile());
    assertThat(undocumented(config, documented)).isEmpty();

    ObjectNode typo = config.deepCopy();
    ObjectNode es = (ObjectNode) typo.at("/pipeline/outputs/0");
    es.set("logstash_prefx", es.remove("logstash_prefix"));
    ((ObjectNode) typo.at("/pipeline/inputs/0")).put("multiline_parser", "cri");
    assertThat(undocumented(typo, documented))
        .containsExactlyInAnyOrder("output es logstash_prefx", "input tail multiline_parser");

    // What the index and the trace id depend on.
    JsonNode out = config.at("/pipeline/outputs/0");
    assertThat(out.path("logstash_prefix").asText()).isEqualTo("obs-demo");
    assertThat(out.path("logstash_dateformat").asText()).isEqualTo("%Y.%m.%d");
    assertThat(out.path("replace_dots").asText()).isEqualTo("false");
    assertThat(out.path("tls.verify").asText()).isEqualTo("true");
    assertThat(out.path("http_passwd").asText()).isEqualTo("${ES_PASSWORD}");
    assertThat(config.at("/parsers/0/time_key").asText()).isEqualTo("@timestamp");
    assertThat(config.at("/pipeline/inputs/0/path").asText()).isEqualTo("/var/log/containers/*_obs-demo_demo-*.log");
  }

  private static List<String> undocumented(JsonNode config, Set<String> documented) {
    List<String> unknown = new ArrayList<>();
    config.fieldNames().forEachRemaining(section -> {
      if (!Set.of("env", "service", "parsers", "pipeline").contains(section)) {
        unknown.add(section);
      }
    });
    config.path("service").fieldNames().forEachRemaining(k -> check("service " + k, documented, unknown));
    for (JsonNode parser : config.path("parsers")) {
      parser.fieldNames().forEachRemaining(k -> check("parser " + k, documented, unknown));
    }
    for (String kind : List.of("inputs", "filters", "outputs")) {
      for (JsonNode plugin : config.path("pipeline").path(kind)) {
        String prefix = kind.substring(0, kind.length() - 1) + " " + plugin.path("name").asText() + " ";
        plugin.fieldNames().forEachRemaining(k -> check(prefix + k, documented, unknown));
      }
    }
    return unknown;
  }

  private static void check(String key, Set<String> documented, List<String> unknown) {
    if (!documented.contains(key)) {
      unknown.add(key);
    }
  }

  // --- helpers ----------------------------------------------------------------------------------------------

  /** The chart's keys as recorded in test data: what values.yaml has and what the templates read. */
  record ChartKeys(Set<String> values, Set<String> template) {
    static ChartKeys load() throws IOException {
      Set<String> values = new HashSet<>();
      Set<String> template = new HashSet<>();
      for (String line : resource("kubernetes/jaeger-chart-4.11.1-keys.txt").lines().toList()) {
        if (line.startsWith("values ")) {
          values.add(line.substring(7));
        } else if (line.startsWith("template ")) {
          template.add(line.substring(9));
        }
      }
      return new ChartKeys(values, template);
    }

    /** A template reference that no other extends: the chart hands what is below it on whole. */
    boolean open(String path) {
      return template.contains(path) && template.stream().noneMatch(t -> t.startsWith(path + "."));
    }

    boolean known(String path) {
      if (template.contains(path) || template.stream().anyMatch(t -> t.startsWith(path + "."))) {
        return true;
      }
      int dot = path.lastIndexOf('.');
      if (dot > 0 && values.contains(path) && template.contains(path.substring(0, dot))) {
        return true;
      }
      for (int i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) {
        if (open(path.substring(0, i))) {
          return true;
        }
      }
      return false;
    }

    List<String> unknown(JsonNode values) {
      List<String> unknown = new ArrayList<>();
      walk(values, "", unknown);
      return unknown;
    }

    private void walk(JsonNode node, String prefix, List<String> unknown) {
      node.fieldNames().forEachRemaining(name -> {
        String path = prefix.isEmpty() ? name : prefix + "." + name;
        if (!known(path)) {
          unknown.add(path);
        } else if (node.get(name).isObject() && !coveredByOpenPrefix(path)) {
          walk(node.get(name), path, unknown);
        }
      });
    }

    private boolean coveredByOpenPrefix(String path) {
      if (open(path)) {
        return true;
      }
      for (int i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) {
        if (open(path.substring(0, i))) {
          return true;
        }
      }
      return false;
    }
  }

  private static void typed(JsonNode node, Class<?> type, String path, List<String> problems) {
    assertThat(node.isMissingNode()).as(path).isFalse();
    Object model;
    try {
      model = KubernetesSchema.MAPPER.treeToValue(node, type);
    } catch (IOException e) {
      problems.add(path + ": " + e.getMessage().lines().findFirst().orElse(""));
      return;
    }
    JsonNode back = KubernetesSchema.MAPPER.valueToTree(model);
    node.fieldNames().forEachRemaining(f -> {
      if (!back.has(f) || back.path("additionalProperties").has(f)) {
        problems.add(path + "." + f + ": unknown field");
      }
    });
    try {
      Object extra = model.getClass().getMethod("getAdditionalProperties").invoke(model);
      if (extra instanceof Map<?, ?> m) {
        m.keySet().forEach(k -> {
          if (!problems.contains(path + "." + k + ": unknown field")) {
            problems.add(path + "." + k + ": unknown field");
          }
        });
      }
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static void eachTyped(JsonNode list, Class<?> type, String path, List<String> problems) {
    assertThat(list.isArray()).as(path).isTrue();
    for (int i = 0; i < list.size(); i++) {
      typed(list.get(i), type, path + "[" + i + "]", problems);
    }
  }

  private static Path k8s(String relative) {
    Path file = KubernetesManifests.dir().resolve(relative);
    assertThat(file).exists();
    return file;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = KubernetesConfigChecksTest.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new AssertionError("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    List<T> list = new ArrayList<>();
    it.forEachRemaining(list::add);
    return list;
  }

  record Result(int exit, String output) {}

  private static Result run(String... command) throws IOException, InterruptedException {
    return run(Map.of(), command);
  }

  private static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(1, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " took more than a minute");
    }
    return new Result(p.exitValue(), out);
  }
}
