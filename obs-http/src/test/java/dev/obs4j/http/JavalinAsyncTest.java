/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.ObsContext;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.javalin.http.util.AsyncExecutor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import kotlin.LazyKt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Javalin's async handlers, as a user writes them: {@code ctx.async} on Javalin's own executor (its pool,
 * or virtual threads where the JDK has them), and {@code ctx.future} over a chain on the application's own
 * pool wrapped by {@code ObsContext.wrap}. The work on other threads belongs to the request's trace, its log
 * lines carry the trace id and the user, and the server span ends when the response completes.
 */
class JavalinAsyncTest {
  private static final Logger log = LoggerFactory.getLogger(JavalinAsyncTest.class);
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final ExecutorService appPool = Executors.newFixedThreadPool(2, r -> new Thread(r, "app-pool"));
  private final ExecutorService asyncPool = Executors.newFixedThreadPool(2, r -> new Thread(r, "app-async"));
  private Recorder service;
  private Javalin javalin;

  @AfterEach
  void stop() {
    if (javalin != null) {
      javalin.stop();
    }
    if (service != null) {
      service.close();
    }
    appPool.shutdownNow();
    asyncPool.shutdownNow();
  }

  private void start(boolean virtualThreads) {
    start(virtualThreads, false);
  }

  /** {@code ownAsyncExecutor}: the configuration sets Javalin's async executor, after registering the plugin. */
  private void start(boolean virtualThreads, boolean ownAsyncExecutor) {
    service = new Recorder("orders");
    var pool = ObsContext.wrap(appPool);
    javalin = Javalin.create(cfg -> {
      cfg.registerPlugin(ObsJavalin.create(service.http));
      cfg.concurrency.useVirtualThreads = virtualThreads;
      if (ownAsyncExecutor) {
        cfg.concurrency.executor = LazyKt.lazy(() -> new AsyncExecutor(asyncPool));
      }
      cfg.startup.showJavalinBanner = false;
      cfg.routes.before(ctx -> ObsContext.setUserId("u-" + ctx.queryParam("user")));
      cfg.routes.after(ctx -> log.info("after handler for {}", ctx.path()));
      cfg.routes.get("/own/{id}", ctx -> ctx.async(() -> {
        String order = service.obs.inSpan("load order", () -> {
          log.info("async: loading order {}", ctx.pathParam("id"));
          return "order " + ctx.pathParam("id");
        });
        Thread.sleep(150);
        ctx.result(order + (isVirtual(Thread.currentThread()) ? " on a virtual thread" : " on a pool thread"));
      }));
      cfg.routes.get("/future/{id}", ctx -> ctx.future(() -> CompletableFuture
          .supplyAsync(() -> service.obs.inSpan("load order", () -> {
            log.info("future: loading order {}", ctx.pathParam("id"));
            return "order " + ctx.pathParam("id");
          }), pool)
          .thenApplyAsync(order -> {
            sleep(150);
            return service.obs.inSpan("price order", () -> {
              log.info("future: pricing {}", order);
              return order + " costs 34";
            });
          }, pool)
          .thenAccept(ctx::result)));
      cfg.routes.get("/future-fails", ctx -> ctx.future(() -> CompletableFuture.supplyAsync(() -> {
        sleep(100);
        throw new IllegalStateException("stock service down");
      }, pool)));
    }).start("127.0.0.1", 0);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return CLIENT.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + javalin.port() + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "virtual threads asked: {0}")
  @ValueSource(booleans = {false, true})
  void ctxAsync_onJavalinsOwnExecutor_runsInTheRequestsTrace(boolean virtualThreads) throws Exception {
    start(virtualThreads);
    String id = virtualThreads ? "18" : "17";
    HttpResponse<String> response = get("/own/" + id + "?user=ann");

    assertThat(response.statusCode()).isEqualTo(200);
    boolean expectVirtual = virtualThreads && Boolean.getBoolean("obs4j.expect.virtual.threads");
    assertThat(response.body())
        .isEqualTo("order " + id + (expectVirtual ? " on a virtual thread" : " on a pool thread"));
    List<SpanData> spans = service.await(SpanKind.SERVER, 1);
    SpanData server = service.server();
    SpanData load = spans.stream().filter(s -> s.getName().equals("load order")).findFirst().orElseThrow();
    assertThat(server.getName()).isEqualTo("GET /own/{id}");
    assertThat(load.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(load.getTraceId()).isEqualTo(server.getTraceId());
    assertThat(server.getEndEpochNanos() - server.getStartEpochNanos())
        .as("ends with the response, not when the handler returns").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
    assertThat(server.getAttributes().get(AttributeKey.stringKey("enduser.id"))).isEqualTo("u-ann");
    Map<String, Object> line = only("async: loading order " + id);
    assertThat(line.get("trace.id")).isEqualTo(server.getTraceId());
    assertThat(line.get("user.id")).isEqualTo("u-ann");
    assertThat(line.get("process.thread.name")).asString().doesNotStartWith("JettyServerThreadPool");
    assertThat(only("after handler for /own/" + id).get("trace.id")).isEqualTo(server.getTraceId());
  }

  @Test
  void ctxAsync_onAnExecutorTheConfigurationSetsAfterThePlugin_isWrappedToo() throws Exception {
    start(false, true);
    HttpResponse<String> response = get("/own/19?user=dee");

    assertThat(response.statusCode()).isEqualTo(200);
    SpanData server = service.server();
    Map<String, Object> line = only("async: loading order 19");
    assertThat(line.get("process.thread.name")).isEqualTo("app-async");
    assertThat(line.get("trace.id")).isEqualTo(server.getTraceId());
    assertThat(line.get("user.id")).isEqualTo("u-dee");
  }

  @Test
  void ctxFuture_chainOnAWrappedPool_everyStageInTheTrace_spanEndsWhenTheFutureCompletes()
      throws Exception {
    start(false);
    HttpResponse<String> response = get("/future/42?user=bea");

    assertThat(response.body()).isEqualTo("order 42 costs 34");
    List<SpanData> spans = service.await(SpanKind.SERVER, 1);
    SpanData server = service.server();
    assertThat(server.getName()).isEqualTo("GET /future/{id}");
    for (String name : List.of("load order", "price order")) {
      SpanData stage = spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
      assertThat(stage.getParentSpanId()).as(name).isEqualTo(server.getSpanId());
      assertThat(server.getEndEpochNanos()).as("the server span ends after " + name).isGreaterThanOrEqualTo(stage.getEndEpochNanos());
    }
    assertThat(server.getEndEpochNanos() - server.getStartEpochNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
    for (String message : List.of("future: loading order 42", "future: pricing order 42", "after handler for /future/42")) {
      Map<String, Object> line = only(message);
      assertThat(line.get("trace.id")).as(message).isEqualTo(server.getTraceId());
      assertThat(line.get("user.id")).as(message).isEqualTo("u-bea");
      assertThat(line.get("process.thread.name")).as(message).isEqualTo("app-pool");
    }
  }

  @Test
  void ctxFuture_failing_answers500_andTheServerSpanEndsThenAsAnError() throws Exception {
    start(false);
    HttpResponse<String> response = get("/future-fails?user=cy");

    assertThat(response.statusCode()).isEqualTo(500);
    SpanData server = service.server();
    assertThat(server.getName()).isEqualTo("GET /future-fails");
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(500L);
    assertThat(server.getEndEpochNanos() - server.getStartEpochNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(service.timer("http.server.requests", "uri", "/future-fails", "status", "500").count()).isEqualTo(1);
    // Javalin logs the exception on the thread the future failed on: the pool's, in the request's trace
    List<Map<String, Object>> uncaught = Recorder.logLines(l -> "Uncaught exception".equals(l.get("message"))
        && String.valueOf(l.get("error.message")).contains("stock service down"));
    assertThat(uncaught).hasSize(1);
    assertThat(uncaught.get(0).get("trace.id")).isEqualTo(server.getTraceId());
  }

  /**
   * Thread.isVirtual, which JDK 17 (the build's) lacks: virtual threads are tested where the build finds a
   * later JDK (the virtual-threads profile in this module's pom sets obs4j.expect.virtual.threads there).
   */
  private static boolean isVirtual(Thread thread) {
    try {
      return (Boolean) Thread.class.getMethod("isVirtual").invoke(thread);
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<String, Object> only(String message) throws Exception {
    List<Map<String, Object>> lines = Recorder.logLines(l -> message.equals(l.get("message")));
    assertThat(lines).as(message).hasSize(1);
    return lines.get(0);
  }
}
