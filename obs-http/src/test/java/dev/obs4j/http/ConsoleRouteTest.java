/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The console on a Javalin app's own port, where the app mounts it: the app's requests, its RED table, no trace of itself. */
class ConsoleRouteTest {

  @Test
  void consoleOnTheAppsPort_showsItsRequests_andIsNotTracedItself() throws Exception {
    try (Obs obs = Obs.builder().serviceName("catalog").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").set("OBS4J_REGISTER_GLOBAL", "false")
        .set("OBS4J_CONSOLE", "true").build()) {
      Javalin app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
        cfg.routes.get("/orders/{id}", ctx -> ctx.result("order " + ctx.pathParam("id")));
        cfg.routes.get("/obs", ObsJavalin.consoleHandler(obs, dev.obs4j.ConsoleAccess.LOCAL_OR_CREDENTIALS));
        cfg.routes.get("/obs/trace/{id}", ObsJavalin.consoleHandler(obs, dev.obs4j.ConsoleAccess.LOCAL_OR_CREDENTIALS));
      }).start("127.0.0.1", 0);
      try {
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + app.port();
        HttpResponse<String> order = client.send(HttpRequest.newBuilder(URI.create(base + "/orders/7")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(order.statusCode()).isEqualTo(200);
        String traceId = order.headers().firstValue("traceresponse").orElseThrow().split("-")[1];

        HttpResponse<String> list = client.send(HttpRequest.newBuilder(URI.create(base + "/obs")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        assertThat(list.body()).contains("/obs/trace/" + traceId).contains("<td>GET /orders/{id}</td><td>1</td>");

        HttpResponse<String> trace = client.send(HttpRequest.newBuilder(URI.create(base + "/obs/trace/" + traceId)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(trace.statusCode()).isEqualTo(200);
        assertThat(trace.body()).contains("GET /orders/{id}").contains("http.route").contains("/orders/{id}");

        // Viewing the console made no trace and no RED series of its own.
        HttpResponse<String> again = client.send(HttpRequest.newBuilder(URI.create(base + "/obs")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(again.body()).doesNotContain("GET /obs").doesNotContain("/obs/trace/{id}</td>");
        assertThat(client.send(HttpRequest.newBuilder(URI.create(base + "/obs/trace/nothex")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
      } finally {
        app.stop();
      }
    }
  }

  @Test
  void consoleOff_theRouteAnswers404() throws Exception {
    try (Obs obs = Obs.builder().serviceName("catalog").shutdownHook(false)
        .set("OTEL_TRACES_EXPORTER", "none").set("OBS4J_METRICS_JVM", "false").set("OBS4J_REGISTER_GLOBAL", "false")
        .build()) {
      Javalin app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        cfg.routes.get("/obs", ObsJavalin.consoleHandler(obs));
      }).start("127.0.0.1", 0);
      try {
        HttpResponse<String> list = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/obs")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(list.statusCode()).isEqualTo(404);
        assertThat(list.body()).doesNotContain("trace");
      } finally {
        app.stop();
      }
    }
  }
}
