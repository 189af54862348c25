/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.obs4j.demo.KubernetesManifests.DemoPart;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * obs-demo/kubernetes as {@code kubectl kustomize} renders it (no cluster runs here): every object matches the
 * Kubernetes API's types (fabric8's models, strictly), and the demo's Deployments run the parts as the demo's
 * settings contract says, as restricted as the issue asks.
 */
class KubernetesManifestsTest {

  @Test
  void everyKustomization_rendersAndEveryObjectMatchesTheKubernetesApi() throws Exception {
    List<String> problems = new ArrayList<>();
    int objects = 0;
    for (String kustomization : KubernetesManifests.KUSTOMIZATIONS) {
      for (JsonNode object : KubernetesManifests.render(kustomization)) {
        objects++;
        KubernetesSchema.problems(object).forEach(p -> problems.add(kustomization + ": " + p));
      }
    }
    assertThat(problems).isEmpty();
    assertThat(objects).as("objects rendered").isGreaterThan(60);
  }

  /** The validator is not a model library that keeps what it does not know: plain Jackson would take this. */
  @Test
  void schema_rejectsUnknownAndMistypedFields_thatTheModelsAloneKeepSilently() throws Exception {
    JsonNode gateway = gateway("overlays/dev");
    ObjectNode typo = gateway.deepCopy();
    ObjectNode container = (ObjectNode) typo.at("/spec/template/spec/containers/0");
    container.set("readinesProbe", container.remove("readinessProbe"));

    // What a lenient check would see: fabric8's model takes the object and keeps the typo aside.
    Deployment lenient = new com.fasterxml.jackson.databind.ObjectMapper().treeToValue(typo, Deployment.class);
    assertThat(lenient.getSpec().getTemplate().getSpec().getContainers().get(0).getAdditionalProperties())
        .containsKey("readinesProbe");

    assertThat(KubernetesSchema.problems(gateway)).isEmpty();
    assertThat(KubernetesSchema.problems(typo))
        .anySatisfy(p -> assertThat(p).contains("containers[0].readinesProbe: unknown field"));

    ObjectNode quoted = gateway.deepCopy();
    ((ObjectNode) quoted.at("/spec")).put("replicas", "1");
    assertThat(KubernetesSchema.problems(quoted)).anySatisfy(p -> assertThat(p).contains("replicas"));

    ObjectNode word = gateway.deepCopy();
    ((ObjectNode) word.at("/spec/template/spec")).put("automountServiceAccountToken", "no");
    assertThat(KubernetesSchema.problems(word)).anySatisfy(p -> assertThat(p).contains("automountServiceAccountToken"));

    ObjectNode port = gateway.deepCopy();
    ((ObjectNode) port.at("/spec/template/spec/containers/0/ports/0")).put("containerPort", "8080");
    assertThat(KubernetesSchema.problems(port)).anySatisfy(p -> assertThat(p).contains("containerPort"));
  }

  /** A typo planted in a Deployment file of a copy of the folder fails the check the build runs. */
  @Test
  void plantedTypoInADeploymentFile_failsTheCheck(@TempDir Path copy) throws Exception {
    copyTree(KubernetesManifests.dir(), copy.resolve("kubernetes"));
    copyTree(ComposeFiles.dir(), copy.resolve("compose"));
    Path gateway = copy.resolve("kubernetes/base/gateway.yaml");
    String original = Files.readString(gateway);
    assertThat(original).contains("          readOnlyRootFilesystem: true");
    Files.writeString(gateway, original.replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true"));

    List<String> problems = new ArrayList<>();
    for (JsonNode object : KubernetesManifests.render(copy.resolve("kubernetes/overlays/dev"))) {
      problems.addAll(KubernetesSchema.problems(object));
    }
    assertThat(problems)
        .containsExactly(
            "Deployment gateway.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem:"
                + " unknown field (not in the Kubernetes API)");

    // A mistake kustomize itself sees fails the render, and with it the check.
    Files.writeString(gateway, original.replace("kind: Deployment", "kind: Deployment\n  oops"));
    assertThatThrownBy(() -> KubernetesManifests.render(copy.resolve("kubernetes/overlays/dev")))
        .isInstanceOf(KubernetesManifests.RenderException.class);
  }

  /** The settings contract of the demo's parts, as the later test that runs the jars will read it. */
  @Test
  void demoDeployments_runEachPartWithTheContractsSettings() throws Exception {
    List<DemoPart> parts = KubernetesManifests.demoParts("overlays/dev");
    assertThat(parts).extracting(DemoPart::name).containsExactlyInAnyOrder("gateway", "orders", "worker");
    Map<String, Integer> ports = Map.of("gateway", 8080, "orders", 8081, "worker", 8082);
    for (DemoPart part : parts) {
      assertThat(part.container()).isEqualTo("demo");
      assertThat(part.image()).isEqualTo("ghcr.io/obs4j/obs-demo:0.1.0-SNAPSHOT");
      assertThat(part.args()).containsExactly("--part", part.name());
      assertThat(part.port()).isEqualTo(ports.get(part.name()));
      assertThat(part.env())
          .containsEntry("OTEL_SERVICE_NAME", part.name())
          .containsEntry("DEMO_HOST", "0.0.0.0")
          .containsEntry("DEMO_LOG_FORMAT", "json")
          .containsEntry("OBS4J_DEMO_LOG_DIR", "")
          .containsEntry("OBS4J_ENVIRONMENT", "dev")
          .containsEntry("DEMO_ORDERS_URL", "http://orders:8081")
          .containsEntry("DEMO_JDBC_URL", "jdbc:postgresql://postgres:5432/demo")
          .containsEntry("DEMO_RABBITMQ", "rabbitmq:5672")
          .containsEntry("JAEGER_AGENT_HOST", KubernetesManifests.NODE_ADDRESS)
          .containsEntry("JAEGER_AGENT_PORT", "6831")
          .containsEntry("OTEL_TRACES_SAMPLER", "jaeger_remote")
          .containsEntry(
              "OTEL_TRACES_SAMPLER_ARG",
              "endpoint=http://jaeger.tracing:5779,pollingIntervalMs=60000,initialSamplingRate=1")
          .doesNotContainKey("OTEL_TRACES_EXPORTER");
      Set<String> credentials = Set.of("DEMO_JDBC_USER", "DEMO_JDBC_PASSWORD", "DEMO_RABBITMQ_USER", "DEMO_RABBITMQ_PASSWORD");
      if (part.name().equals("gateway")) {
        assertThat(part.env()).doesNotContainKeys(credentials.toArray(String[]::new));
      } else {
        assertThat(part.env())
            .containsEntry("DEMO_JDBC_USER", "demo")
            .containsEntry("DEMO_JDBC_PASSWORD", "dev-only-postgres")
            .containsEntry("DEMO_RABBITMQ_USER", "demo")
            .containsEntry("DEMO_RABBITMQ_PASSWORD", "dev-only-rabbitmq");
      }
    }
    // The dev overlay's PostgreSQL and RabbitMQ take the same Secrets.
    List<JsonNode> dev = KubernetesManifests.render("overlays/dev");
    assertThat(KubernetesManifests.named(dev, "Service", "postgres").at("/spec/ports/0/port").asInt()).isEqualTo(5432);
    assertThat(KubernetesManifests.named(dev, "Service", "rabbitmq").at("/spec/ports/0/port").asInt()).isEqualTo(5672);
    assertThat(KubernetesManifests.named(dev, "Service", "orders").at("/spec/ports/0/port").asInt()).isEqualTo(8081);
  }

  @Test
  void otlpOverlay_sendsOtlpToTheJaegerServiceAndNothingToTheAgent() throws Exception {
    for (DemoPart part : KubernetesManifests.demoParts("overlays/otlp")) {
      assertThat(part.env())
          .containsEntry("OTEL_TRACES_EXPORTER", "otlp")
          .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://jaeger.tracing:4318")
          .containsEntry("OTEL_SERVICE_NAME", part.name())
          .containsEntry("OTEL_TRACES_SAMPLER", "jaeger_remote")
          .doesNotContainKey("JAEGER_AGENT_HOST");
    }
    JsonNode traces = KubernetesManifests.named(KubernetesManifests.render("overlays/otlp"), "NetworkPolicy", "traces");
    assertThat(traces.at("/spec/egress").toString()).contains("4318").contains("5779").doesNotContain("6831");
  }

  /** Probes, resources and the restricted security settings on every demo part. */
  @Test
  void demoPods_areProbedBoundedAndRestricted() throws Exception {
    for (JsonNode deployment : KubernetesManifests.ofKind(KubernetesManifests.render("overlays/dev"), "Deployment")) {
      String name = deployment.at("/metadata/name").asText();
      if (!Set.of("gateway", "orders", "worker").contains(name)) {
        continue;
      }
      JsonNode pod = deployment.at("/spec/template/spec");
      JsonNode c = pod.at("/containers/0");
      assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(name).isFalse();
      assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name).isTrue();
      assertThat(pod.at("/securityContext/runAsUser").asInt()).as(name).isEqualTo(10001);
      assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
      assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).as(name).isFalse();
      assertThat(c.at("/securityContext/capabilities/drop").toString()).as(name).isEqualTo("[\"ALL\"]");
      assertThat(c.at("/livenessProbe/httpGet/path").asText()).as(name).isEqualTo("/healthy");
      assertThat(c.at("/readinessProbe/httpGet/path").asText()).as(name).isEqualTo("/healthy/ready");
      assertThat(c.at("/resources/requests/memory").asText()).as(name).isNotEmpty();
      assertThat(c.at("/resources/limits/memory").asText()).as(name).isNotEmpty();
      assertThat(c.at("/resources/limits/cpu").asText()).as(name).isNotEmpty();
      assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1scrape").asText()).isEqualTo("true");
    }
    assertThat(KubernetesManifests.ofKind(KubernetesManifests.render("overlays/dev"), "PodDisruptionBudget"))
        .extracting(p -> p.at("/metadata/name").asText())
        .containsExactlyInAnyOrder("gateway", "orders", "worker");
  }

  /** Every container anywhere has limits and no capabilities; only Prometheus and kube-state-metrics hold an API token. */
  @Test
  void everyPodOfEveryKustomization_isBoundedAndHoldsNoTokenItDoesNotUse() throws Exception {
    List<String> problems = new ArrayList<>();
    for (String kustomization : KubernetesManifests.KUSTOMIZATIONS) {
      for (Map.Entry<String, JsonNode> e : KubernetesManifests.podSpecs(KubernetesManifests.render(kustomization)).entrySet()) {
        String pod = kustomization + " " + e.getKey();
        boolean token = e.getValue().path("automountServiceAccountToken").asBoolean(true);
        if (token != Set.of("Deployment prometheus", "Deployment kube-state-metrics").contains(e.getKey())) {
          problems.add(pod + ": automountServiceAccountToken " + token);
        }
        for (JsonNode c : e.getValue().path("containers")) {
          if (!c.at("/resources/limits/memory").isTextual() || !c.at("/resources/requests/cpu").isTextual()) {
            problems.add(pod + ": no memory limit or cpu request");
          }
          if (!c.at("/securityContext/capabilities/drop").toString().equals("[\"ALL\"]")
              || c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)) {
            problems.add(pod + ": capabilities not dropped or privilege escalation allowed");
          }
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  /** Each namespace denies by default; the demo's flows are the ones its NetworkPolicies list. */
  @Test
  void everyNamespace_deniesByDefault() throws Exception {
    for (String kustomization : KubernetesManifests.KUSTOMIZATIONS) {
      JsonNode deny = KubernetesManifests.named(KubernetesManifests.render(kustomization), "NetworkPolicy", "default-deny");
      assertThat(deny.at("/spec/podSelector").isEmpty()).as(kustomization).isTrue();
      assertThat(deny.at("/spec/policyTypes").toString()).as(kustomization).isEqualTo("[\"Ingress\",\"Egress\"]");
      assertThat(deny.at("/spec/ingress").isMissingNode() && deny.at("/spec/egress").isMissingNode()).isTrue();
    }
    List<JsonNode> dev = KubernetesManifests.render("overlays/dev");
    assertThat(KubernetesManifests.named(dev, "NetworkPolicy", "orders").at("/spec/ingress/0/from/0/podSelector/matchLabels/app.kubernetes.io~1name").asText())
        .isEqualTo("gateway");
    assertThat(KubernetesManifests.named(dev, "NetworkPolicy", "database-and-broker").at("/spec/egress").toString())
        .contains("\"postgres\"").contains("\"rabbitmq\"");
  }

  private static JsonNode gateway(String overlay) throws Exception {
    return KubernetesManifests.named(KubernetesManifests.render(overlay), "Deployment", "gateway");
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.filter(p -> !p.toString().contains("node_modules")).collect(Collectors.toCollection(TreeSet::new))) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target);
        }
      }
    }
  }
}
