/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Meter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The uri tag is the route template: ids and junk paths never become series. */
class RouteCardinalityTest {

  @Test
  void fiveHundredIds_makeOneSeries_andTenThousandUnknownPaths_aFixedFew() throws Exception {
    try (Recorder service = new Recorder("catalog")) {
      Javalin app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        cfg.registerPlugin(ObsJavalin.create(service.http));
        cfg.routes.get("/orders/{id}", ctx -> ctx.result(ctx.pathParam("id")));
      }).start("127.0.0.1", 0);
      try {
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + app.port();
        for (int i = 1; i <= 500; i++) {
          HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/orders/" + i)).build(),
              HttpResponse.BodyHandlers.discarding());
          assertThat(r.statusCode()).isEqualTo(200);
        }
        Set<String> uris = uris(service);
        assertThat(uris).containsExactly("/orders/{id}");
        assertThat(service.timer("http.server.requests", "uri", "/orders/{id}").count()).isEqualTo(500);

        int seriesBefore = service.obs.meterRegistry().find("http.server.requests").timers().size();
        for (int i = 0; i < 10_000; i++) {
          String junk = "/" + UUID.randomUUID() + "/" + i;
          String method = i % 3 == 0 ? "GET" : i % 3 == 1 ? "POST" : "BREW" + i; // junk methods too
          client.send(HttpRequest.newBuilder(URI.create(base + junk)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
              HttpResponse.BodyHandlers.discarding());
        }
        int seriesAfter = service.obs.meterRegistry().find("http.server.requests").timers().size();
        assertThat(uris(service)).containsExactlyInAnyOrder("/orders/{id}", "NOT_FOUND");
        // GET, POST and _OTHER, each 404 on NOT_FOUND: at most a handful of new series, whatever the traffic.
        assertThat(seriesAfter - seriesBefore).isBetween(1, 6);
        assertThat(service.obs.meterRegistry().find("http.server.requests").tag("method", "_OTHER").timers()).isNotEmpty();
      } finally {
        app.stop();
      }
    }
  }

  private static Set<String> uris(Recorder service) {
    return service.obs.meterRegistry().find("http.server.requests").timers().stream()
        .map(Meter::getId).map(id -> id.getTag("uri")).collect(Collectors.toSet());
  }
}
