/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.ObsContext;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The uri tag is the route template: ids, user ids and junk paths never become series. */
class RouteCardinalityTest {
  private static final int REQUESTS = 100_000;
  private static final int SENDERS = 4;
  /** Requests the HTTP stack may deliver twice when a reused connection breaks (see below). */
  private static final long TWICE = 20;

  @Test
  void hundredThousandRawPathsAndUserIds_makeAFixedFewSeries_andEveryRequestIsCounted() throws Exception {
    try (Recorder service = new Recorder("catalog")) {
      Javalin app = Javalin.create(cfg -> {
        cfg.startup.showJavalinBanner = false;
        cfg.registerPlugin(ObsJavalin.create(service.http));
        cfg.routes.get("/orders/{id}", ctx -> {
          String user = ctx.header("X-User-Id");
          if (user != null) {
            ObsContext.setUserId(user);
          }
          ctx.result(ctx.pathParam("id"));
        });
      }).start("127.0.0.1", 0);
      try {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String base = "http://127.0.0.1:" + app.port();
        for (int i = 1; i <= 500; i++) {
          HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/orders/" + i)).build(),
              HttpResponse.BodyHandlers.discarding());
          assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(uris(service)).containsExactly("/orders/{id}");
        assertThat(service.timer("http.server.requests", "uri", "/orders/{id}").count()).isEqualTo(500);
        int seriesBefore = service.obs.meterRegistry().find("http.server.requests").timers().size();
        int metersBefore = service.obs.meterRegistry().getMeters().size();

        // Half the requests: a known route with a fresh id and a fresh user each; half: a junk path, a third
        // of those with a junk method. Sent from a few threads, so that the server handles them concurrently.
        AtomicLong unexpected = new AtomicLong();
        // A keep-alive connection the server closed just as the client reused it fails a request ("header
        // parser received no bytes"); it is sent again here, as the JDK client itself does for a GET. So the
        // totals below allow a few requests counted twice (seen: 3 in 100,000), never one counted less.
        AtomicLong resentKnown = new AtomicLong();
        AtomicLong resentJunk = new AtomicLong();
        ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < SENDERS; t++) {
          int first = t;
          done.add(senders.submit(() -> {
            for (int i = first; i < REQUESTS; i += SENDERS) {
              HttpRequest request;
              int expected;
              if (i % 2 == 0) {
                request = HttpRequest.newBuilder(URI.create(base + "/orders/" + UUID.randomUUID()))
                    .header("X-User-Id", "user-" + i).build();
                expected = 200;
              } else {
                String method = i % 3 == 0 ? "GET" : i % 3 == 1 ? "POST" : "BREW" + i;
                request = HttpRequest.newBuilder(URI.create(base + "/" + UUID.randomUUID() + "/" + i))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
                expected = 404;
              }
              int status = -1;
              for (int attempt = 1; status < 0; attempt++) {
                try {
                  status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (java.io.IOException broken) {
                  if (attempt == 3) {
                    throw broken;
                  }
                  (expected == 200 ? resentKnown : resentJunk).incrementAndGet();
                }
              }
              if (status != expected) {
                unexpected.incrementAndGet();
              }
              if (i % 10_000 == first) {
                service.spans.reset(); // not what this test is about; keeps the test's own heap small
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(10, TimeUnit.MINUTES);
        }
        senders.shutdown();
        assertThat(unexpected.get()).isZero();

        // The last spans carry their user; no meter does.
        String lastUser = "user-" + (REQUESTS - 2);
        assertThat(service.await(SpanKind.SERVER, 1).stream()
            .map(s -> s.getAttributes().get(AttributeKey.stringKey("enduser.id"))))
            .contains(lastUser);
        assertThat(service.obs.meterRegistry().getMeters())
            .noneMatch(m -> m.getId().getTags().toString().contains("user-"));

        assertThat(uris(service)).containsExactlyInAnyOrder("/orders/{id}", "NOT_FOUND");
        // GET, POST and _OTHER, each 404 on NOT_FOUND: at most a handful of new series, whatever the traffic.
        int seriesAfter = service.obs.meterRegistry().find("http.server.requests").timers().size();
        assertThat(seriesAfter - seriesBefore).isBetween(1, 6);
        assertThat(service.obs.meterRegistry().getMeters().size() - metersBefore).isLessThanOrEqualTo(10);
        // Nothing is lost in the collapse: every request is counted under its template or NOT_FOUND.
        assertThat(service.timer("http.server.requests", "uri", "/orders/{id}").count())
            .isBetween(500L + REQUESTS / 2, 500L + REQUESTS / 2 + resentKnown.get() + TWICE);
        assertThat(count(service, "uri", "NOT_FOUND")).isBetween((long) REQUESTS / 2, (long) REQUESTS / 2 + resentJunk.get() + TWICE);
        assertThat(resentKnown.get() + resentJunk.get()).as("requests sent again").isLessThan(100);
        long junkMethods = 0;
        for (int i = 1; i < REQUESTS; i += 2) {
          junkMethods += i % 3 == 2 ? 1 : 0;
        }
        assertThat(count(service, "method", "_OTHER")).isBetween(junkMethods, junkMethods + resentJunk.get() + TWICE);
      } finally {
        app.stop();
      }
    }
  }

  private static long count(Recorder service, String tag, String value) {
    return service.obs.meterRegistry().find("http.server.requests").tag(tag, value).timers().stream()
        .mapToLong(Timer::count).sum();
  }

  private static Set<String> uris(Recorder service) {
    return service.obs.meterRegistry().find("http.server.requests").timers().stream()
        .map(Meter::getId).map(id -> id.getTag("uri")).collect(Collectors.toSet());
  }
}
