/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Kubernetes manifests of {@code obs-demo/kubernetes}, rendered by {@code kubectl kustomize} as a user's
 * {@code kubectl apply -k} would render them, and the demo's parts as those manifests run them.
 */
final class KubernetesManifests {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** Every folder a user applies with {@code kubectl apply -k}, in the order of the site page's walk. */
  static final List<String> KUSTOMIZATIONS =
      List.of("tracing", "monitoring", "logging", "overlays/dev", "overlays/otlp");

  /** The value {@link #demoParts} gives an environment variable set from the downward API. */
  static final String NODE_ADDRESS = "$(status.hostIP)";

  private KubernetesManifests() {}

  static Path dir() {
    return Path.of(System.getProperty("obs4j.demo.kubernetes.dir", "kubernetes")).toAbsolutePath();
  }

  /** {@code kubectl kustomize} of a folder under obs-demo/kubernetes, one JSON tree per object. */
  static List<JsonNode> render(String kustomization) throws IOException, InterruptedException {
    return render(dir().resolve(kustomization));
  }

  /** {@code kubectl kustomize DIR}; fails with kubectl's own message when it does not render. */
  static List<JsonNode> render(Path kustomization) throws IOException, InterruptedException {
    Path out = Files.createTempFile("kustomize", ".yaml");
    Path err = Files.createTempFile("kustomize", ".err");
    try {
      Process kubectl =
          new ProcessBuilder("kubectl", "kustomize", kustomization.toString())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      if (!kubectl.waitFor(2, TimeUnit.MINUTES)) {
        kubectl.destroyForcibly();
        throw new AssertionError("kubectl kustomize " + kustomization + " took more than 2 minutes");
      }
      if (kubectl.exitValue() != 0) {
        throw new RenderException(kustomization + ": " + Files.readString(err).strip());
      }
      return parse(Files.readString(out));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static List<JsonNode> parse(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser parser = ((YAMLFactory) YAML.getFactory()).createParser(yaml)) {
      for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (doc != null && !doc.isNull() && !doc.isEmpty()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  static JsonNode named(List<JsonNode> objects, String kind, String name) {
    return ofKind(objects, kind).stream()
        .filter(o -> o.path("metadata").path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " rendered"));
  }

  /** Every pod template (Deployment, DaemonSet, Job) of the rendered objects, by "Kind name". */
  static Map<String, JsonNode> podSpecs(List<JsonNode> objects) {
    Map<String, JsonNode> specs = new LinkedHashMap<>();
    for (JsonNode o : objects) {
      JsonNode spec = o.path("spec").path("template").path("spec");
      if (!spec.isMissingNode()) {
        specs.put(o.path("kind").asText() + " " + o.path("metadata").path("name").asText(), spec);
      }
    }
    return specs;
  }

  /**
   * One part of the demo as a rendered Deployment runs it: the container's args and its environment with
   * every reference resolved from the same rendering (ConfigMaps via envFrom and configMapKeyRef, Secrets via
   * secretKeyRef, decoded), in the order the kubelet sets them (envFrom first, then env, later wins). A
   * variable from the downward API has the value {@code $(FIELD)}, e.g. {@link #NODE_ADDRESS}.
   */
  record DemoPart(
      String name, String container, String image, List<String> args, Map<String, String> env, int port) {}

  static List<DemoPart> demoParts(String overlay) throws IOException, InterruptedException {
    List<JsonNode> objects = render(overlay);
    List<DemoPart> parts = new ArrayList<>();
    for (JsonNode deployment : ofKind(objects, "Deployment")) {
      if (!deployment.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText().equals("obs-demo")) {
        continue;
      }
      JsonNode container = deployment.path("spec").path("template").path("spec").path("containers").get(0);
      Map<String, String> env = new LinkedHashMap<>();
      for (JsonNode from : container.path("envFrom")) {
        JsonNode map = named(objects, "ConfigMap", from.path("configMapRef").path("name").asText());
        map.path("data").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
      }
      for (JsonNode var : container.path("env")) {
        env.put(var.path("name").asText(), value(var, objects));
      }
      List<String> args = new ArrayList<>();
      container.path("args").forEach(a -> args.add(a.asText()));
      parts.add(
          new DemoPart(
              deployment.path("metadata").path("name").asText(),
              container.path("name").asText(),
              container.path("image").asText(),
              List.copyOf(args),
              env,
              container.path("ports").get(0).path("containerPort").asInt()));
    }
    return parts;
  }

  private static String value(JsonNode var, List<JsonNode> objects) {
    if (var.has("value")) {
      return var.path("value").asText();
    }
    JsonNode from = var.path("valueFrom");
    if (from.has("fieldRef")) {
      return "$(" + from.path("fieldRef").path("fieldPath").asText() + ")";
    }
    if (from.has("configMapKeyRef")) {
      JsonNode ref = from.path("configMapKeyRef");
      return named(objects, "ConfigMap", ref.path("name").asText()).path("data").path(ref.path("key").asText()).asText();
    }
    if (from.has("secretKeyRef")) {
      JsonNode ref = from.path("secretKeyRef");
      String encoded =
          named(objects, "Secret", ref.path("name").asText()).path("data").path(ref.path("key").asText()).asText();
      return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    }
    throw new AssertionError("cannot resolve " + var);
  }

  /** kubectl kustomize refused the folder. */
  static final class RenderException extends IOException {
    private static final long serialVersionUID = 1L;

    RenderException(String message) {
      super(message);
    }
  }
}
