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
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert messages, Slack and Telegram, with the shipped routing and templates on a real Alertmanager: the
 * demo's HighErrorRatio alert, with the labels and annotations its rule gives it, is posted to Alertmanager's
 * API, which must send it to a stand-in for the Slack webhook and one for the Telegram Bot API
 * ({@code /bot<token>/sendMessage}), each message carrying the service, the route and the link to the
 * Grafana dashboard with that service selected. The Grafana side (a Telegram contact point beside Slack)
 * cannot run here and is checked against the keys its integration reads.
 */
class AlertChannelsTest {
  private static final String SECRETS = "/etc/alertmanager/secrets/";

  /** One request a stand-in received: its path and body, with the body's fields. */
  record Received(String path, String contentType, String body) {
    /** The fields of a JSON body, or of a form body. */
    Map<String, String> fields() throws IOException {
      if (body.trim().startsWith("{")) {
        JsonNode json = DemoProcess.JSON.readTree(body);
        Map<String, String> out = new java.util.LinkedHashMap<>();
        json.properties().forEach(e -> out.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        return out;
      }
      return java.util.Arrays.stream(body.split("&"))
          .map(kv -> kv.split("=", 2))
          .collect(Collectors.toMap(kv -> URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
              kv -> kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : ""));
    }
  }

  @Test
  void firingAlert_reachesSlackAndTelegram_withServiceRouteAndDashboardLink(@TempDir Path dir) throws Exception {
    List<Received> slackPosts = new CopyOnWriteArrayList<>();
    List<Received> telegramPosts = new CopyOnWriteArrayList<>();
    HttpServer slack = standIn("/services/T000/B000/XXXX", slackPosts, "ok");
    HttpServer telegram = standIn("/", telegramPosts,
        "{\"ok\":true,\"result\":{\"message_id\":7,\"date\":1700000000,\"chat\":{\"id\":-1001234567890,\"type\":\"supergroup\"},\"text\":\"-\"}}");
    try {
      String token = "123456789:test-token_not-a-real-one";
      long chatId = -1001234567890L;
      Path config = renderForThisAlertmanager(dir,
          "http://127.0.0.1:" + slack.getAddress().getPort() + "/services/T000/B000/XXXX",
          "http://127.0.0.1:" + telegram.getAddress().getPort(), token, chatId);

      String amtool = PrometheusServer.find("amtool");
      Process check = new ProcessBuilder(amtool, "check-config", config.toString()).redirectErrorStream(true).start();
      String checkOutput = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(check.exitValue()).as(checkOutput).isZero();

      JsonNode rule = rule("HighErrorRatio");
      Map<String, String> labels = Map.of("alertname", "HighErrorRatio", "service", "gateway", "uri", "/serverError");
      ObjectNode alert = firingAlert(rule, labels, 1.0);
      String link = "http://localhost:3000/d/obs-demo-red?var-service=gateway";
      assertThat(alert.at("/annotations/runbook_url").asText()).isEqualTo(link);

      try (Alertmanager alertmanager = new Alertmanager(config)) {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> posted = http.send(
            HttpRequest.newBuilder(URI.create("http://" + alertmanager.address() + "/api/v2/alerts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(DemoProcess.JSON.createArrayNode().add(alert).toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(200);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((slackPosts.isEmpty() || telegramPosts.isEmpty()) && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(slackPosts).as("Slack posts; alertmanager: %s", alertmanager.log()).hasSize(1);
        assertThat(telegramPosts).as("Telegram posts; alertmanager: %s", alertmanager.log()).hasSize(1);
      }

      JsonNode payload = DemoProcess.JSON.readTree(slackPosts.get(0).body());
      JsonNode attachment = payload.at("/attachments/0");
      assertThat(attachment.path("title").asText()).contains("FIRING", "HighErrorRatio", "gateway", "/serverError");
      assertThat(attachment.path("title_link").asText()).isEqualTo(link);
      assertThat(attachment.path("text").asText())
          .contains("service: `gateway`", "route: `/serverError`", "<" + link + "|Grafana dashboard>");

      Received message = telegramPosts.get(0);
      assertThat(message.path()).isEqualTo("/bot" + token + "/sendMessage");
      Map<String, String> fields = message.fields();
      assertThat(fields.get("chat_id")).isEqualTo(Long.toString(chatId));
      assertThat(fields.get("parse_mode")).isEqualTo("HTML");
      assertThat(fields.get("text"))
          .contains("FIRING", "HighErrorRatio")
          .contains("service: <code>gateway</code>", "route: <code>/serverError</code>")
          .contains("<a href=\"" + link + "\">Grafana dashboard</a>");
    } finally {
      slack.stop(0);
      telegram.stop(0);
    }
  }

  /**
   * The shipped alertmanager.yml reads the Telegram token and chat id from the secrets folder with keys of
   * Alertmanager 0.26+/0.31+ (the compose image is 0.34), which Debian's 0.25 here does not know: the copy for
   * this Alertmanager takes them inline from the test's own values instead. Besides that, only the addresses
   * (api_url, the Slack URL file) and the first wait change.
   */
  static Path renderForThisAlertmanager(Path dir, String slackUrl, String telegramUrl, String token, long chatId)
      throws IOException {
    ObjectNode am = ComposeFiles.yaml("alertmanager/alertmanager.yml");
    Set<String> knownKeys = keys("alerting/alertmanager-telegram-config-keys.txt");
    int slackConfigs = 0;
    int telegramConfigs = 0;
    for (JsonNode receiver : am.path("receivers")) {
      for (JsonNode slack : receiver.path("slack_configs")) {
        assertThat(slack.path("api_url_file").asText()).isEqualTo(SECRETS + "slack_webhook_url");
        ((ObjectNode) slack).put("api_url_file", Files.writeString(dir.resolve("slack_webhook_url"), slackUrl).toString());
        slackConfigs++;
      }
      for (JsonNode telegram : receiver.path("telegram_configs")) {
        ObjectNode t = (ObjectNode) telegram;
        Set<String> keys = new HashSet<>();
        t.fieldNames().forEachRemaining(keys::add);
        assertThat(knownKeys).as("keys Alertmanager 0.34 reads").containsAll(keys);
        assertThat(t.has("bot_token")).as("no token in the committed file").isFalse();
        assertThat(t.path("bot_token_file").asText()).isEqualTo(SECRETS + "telegram_bot_token");
        assertThat(t.path("chat_id_file").asText()).isEqualTo(SECRETS + "telegram_chat_id");
        t.remove(List.of("bot_token_file", "chat_id_file"));
        t.put("bot_token", token).put("chat_id", chatId).put("api_url", telegramUrl);
        telegramConfigs++;
      }
    }
    assertThat(slackConfigs).as("slack_configs").isEqualTo(1);
    assertThat(telegramConfigs).as("telegram_configs").isEqualTo(1);
    ((ObjectNode) am.get("route")).put("group_wait", "1s");
    Path config = dir.resolve("alertmanager.yml");
    ComposeFiles.YAML.writeValue(config.toFile(), am);
    return config;
  }

  /** The Grafana side: a Telegram contact point beside Slack, both reached by the policy, secrets from the environment. */
  @Test
  void grafanaAlerting_hasATelegramContactPointBesideSlack_withItsSecretsFromTheEnvironment() throws Exception {
    String text = Files.readString(ComposeFiles.file("grafana/provisioning/alerting/obs-demo.yml"));
    JsonNode alerting = ComposeFiles.YAML.readTree(text);
    Map<String, JsonNode> receivers = new java.util.LinkedHashMap<>();
    for (JsonNode point : alerting.path("contactPoints")) {
      for (JsonNode receiver : point.path("receivers")) {
        receivers.put(receiver.path("type").asText(), receiver);
        assertThat(point.path("name").asText()).isNotBlank();
      }
    }
    assertThat(receivers).containsKeys("slack", "telegram");
    JsonNode telegram = receivers.get("telegram").path("settings");
    Set<String> keys = new HashSet<>();
    telegram.fieldNames().forEachRemaining(keys::add);
    assertThat(keys("alerting/grafana-telegram-settings-keys.txt")).containsAll(keys);
    assertThat(telegram.path("bottoken").asText()).isEqualTo("$TELEGRAM_BOT_TOKEN");
    assertThat(telegram.path("chatid").asText()).isEqualTo("$TELEGRAM_CHAT_ID");
    // Grafana expands $VAR in this file except inside templates: the message templates have none.
    assertThat(telegram.path("message").asText()).doesNotContain("$").contains(".Annotations.runbook_url");
    assertThat(receivers.get("slack").at("/settings/text").asText()).doesNotContain("$").contains(".Annotations.runbook_url");

    // The policy reaches both contact points: one route to each, the first with continue.
    Set<String> reached = new HashSet<>();
    JsonNode policy = alerting.at("/policies/0");
    for (JsonNode route : policy.path("routes")) {
      assertThat(route.has("matchers") || route.has("object_matchers")).as("a route for every alert").isFalse();
      reached.add(route.path("receiver").asText());
    }
    Set<String> pointNames = new HashSet<>();
    alerting.path("contactPoints").forEach(p -> pointNames.add(p.path("name").asText()));
    assertThat(reached).isEqualTo(pointNames);
    assertThat(policy.at("/routes/0/continue").asBoolean()).isTrue();

    // The Grafana rule's annotation links to the dashboard with the service selected.
    JsonNode grafanaRule = alerting.at("/groups/0/rules/0");
    assertThat(grafanaRule.at("/annotations/runbook_url").asText())
        .isEqualTo("http://localhost:3000/d/obs-demo-red?var-service={{ $labels.service }}");

    // Every variable the file reads is set where Grafana runs: the compose entrypoint and the cluster's Deployment.
    Set<String> variables = new HashSet<>();
    String withoutComments = text.lines().filter(l -> !l.trim().startsWith("#")).collect(Collectors.joining("\n"));
    Matcher m = Pattern.compile("\\$\\{?([A-Z][A-Z0-9_]*)").matcher(withoutComments);
    while (m.find()) {
      variables.add(m.group(1));
    }
    assertThat(variables).contains("SLACK_WEBHOOK_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID");
    String entrypoint = ComposeFiles.yaml("docker-compose.yml").at("/services/grafana/entrypoint").toString();
    JsonNode deployment = KubernetesManifests.YAML.readTree(KubernetesManifests.dir().resolve("monitoring/grafana.yaml").toFile());
    Set<String> clusterEnv = new HashSet<>();
    for (JsonNode env : deployment.at("/spec/template/spec/containers/0/env")) {
      clusterEnv.add(env.path("name").asText());
    }
    for (String variable : variables) {
      assertThat(entrypoint).as("compose exports %s", variable).contains("export " + variable).contains(variable + "=");
      assertThat(clusterEnv).as("the cluster's Grafana has %s", variable).contains(variable);
    }
  }

  private static Set<String> keys(String resource) throws IOException {
    try (var in = AlertChannelsTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
          .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toSet());
    }
  }

  private static HttpServer standIn(String context, List<Received> received, String answer) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(context, exchange -> {
      received.add(new Received(exchange.getRequestURI().getPath(),
          String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type")),
          new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
      byte[] body = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", answer.startsWith("{") ? "application/json" : "text/plain");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  static JsonNode rule(String alert) throws IOException {
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

  /**
   * The alert as Prometheus sends it when {@code rule} fires for a series with {@code labels} and the value
   * {@code value}: the rule's labels added, its annotations expanded. Only the template forms the shipped rules
   * use are expanded ({@code $labels.x}, {@code $labels.x | urlquery}, {@code $value | humanizePercentage});
   * any other form fails the test rather than go out unexpanded.
   */
  static ObjectNode firingAlert(JsonNode rule, Map<String, String> labels, double value) {
    ObjectNode alert = DemoProcess.JSON.createObjectNode();
    ObjectNode l = alert.putObject("labels");
    labels.forEach(l::put);
    rule.path("labels").properties().forEach(e -> l.put(e.getKey(), e.getValue().asText()));
    ObjectNode annotations = alert.putObject("annotations");
    List<String> unexpanded = new ArrayList<>();
    rule.path("annotations").properties().forEach(e -> {
      String text = e.getValue().asText();
      Matcher m = Pattern.compile("\\{\\{\\s*\\$labels\\.(\\w+)\\s*(\\|\\s*urlquery\\s*)?}}").matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String v = labels.getOrDefault(m.group(1), "");
        m.appendReplacement(out, Matcher.quoteReplacement(m.group(2) != null ? URLEncoder.encode(v, StandardCharsets.UTF_8) : v));
      }
      m.appendTail(out);
      String expanded = out.toString()
          .replaceAll("\\{\\{\\s*\\$value\\s*\\|\\s*humanizePercentage\\s*}}", Math.round(value * 100) + "%");
      if (expanded.contains("{{")) {
        unexpanded.add(e.getKey() + ": " + expanded);
      }
      annotations.put(e.getKey(), expanded);
    });
    assertThat(unexpanded).as("template forms this test does not expand").isEmpty();
    alert.put("startsAt", Instant.now().toString());
    alert.put("generatorURL", "http://localhost:9090/graph?g0.expr=" + URLEncoder.encode(rule.path("expr").asText(), StandardCharsets.UTF_8));
    return alert;
  }
}
