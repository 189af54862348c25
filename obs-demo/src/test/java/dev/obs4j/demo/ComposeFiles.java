/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files the compose stack ships ({@code obs-demo/compose}), read as they are and, where a test runs them
 * on this machine's real servers, copied with only addresses, paths and the named timings rewritten.
 */
final class ComposeFiles {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ComposeFiles() {}

  static Path dir() {
    String dir = System.getProperty("obs4j.demo.compose.dir", "compose");
    return Path.of(dir).toAbsolutePath();
  }

  static Path file(String relative) {
    Path file = dir().resolve(relative);
    if (!Files.exists(file)) {
      throw new AssertionError("the compose stack ships no " + file);
    }
    return file;
  }

  static ObjectNode yaml(String relative) throws IOException {
    return (ObjectNode) YAML.readTree(file(relative).toFile());
  }

  static JsonNode json(String relative) throws IOException {
    return DemoProcess.JSON.readTree(file(relative).toFile());
  }

  static List<Path> list(String relativeDir, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(file(relativeDir))) {
      return files.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
    }
  }

  /**
   * The shipped prometheus.yml, copied to {@code into}: the targets become the demo's three loopback ports
   * (matched by the shipped port 8080, 8081, 8082), the rule files are {@code rulesGlob}, alerts go to
   * {@code alertmanager} (or nowhere when null). Nothing else changes.
   */
  static Path prometheusConfig(Path into, DemoProcess demo, String rulesGlob, String alertmanager) throws IOException {
    return prometheusConfig(into, demo.gatewayPort(), demo.ordersPort(), demo.workerPort(), rulesGlob, alertmanager);
  }

  /** As {@link #prometheusConfig(Path, DemoProcess, String, String)}, the three parts on the ports given. */
  static Path prometheusConfig(Path into, int gatewayPort, int ordersPort, int workerPort, String rulesGlob,
      String alertmanager) throws IOException {
    ObjectNode config = yaml("prometheus/prometheus.yml");
    ArrayNode rules = config.putArray("rule_files");
    rules.add(rulesGlob);
    if (alertmanager == null) {
      config.remove("alerting");
    } else {
      ((ObjectNode) config.at("/alerting/alertmanagers/0/static_configs/0")).putArray("targets").add(alertmanager);
    }
    ObjectNode job = (ObjectNode) config.at("/scrape_configs/0");
    String targetsFile = job.at("/file_sd_configs/0/files/0").asText();
    JsonNode shipped = DemoProcess.JSON.readTree(file("prometheus/" + targetsFile).toFile());
    for (JsonNode group : shipped) {
      ArrayNode targets = (ArrayNode) group.get("targets");
      List<String> local = new ArrayList<>();
      for (JsonNode target : targets) {
        String port = target.asText().substring(target.asText().lastIndexOf(':') + 1);
        local.add(
            "127.0.0.1:"
                + switch (port) {
                  case "8080" -> gatewayPort;
                  case "8081" -> ordersPort;
                  case "8082" -> workerPort;
                  default -> throw new AssertionError("unexpected target " + target);
                });
      }
      targets.removeAll();
      local.forEach(targets::add);
    }
    Path targets = into.resolve("targets.json");
    DemoProcess.JSON.writeValue(targets.toFile(), shipped);
    ((ArrayNode) job.at("/file_sd_configs/0/files")).removeAll().add(targets.toString());
    Path out = into.resolve("prometheus.yml");
    YAML.writeValue(out.toFile(), config);
    return out;
  }
}
