/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JavalinServerTest extends AbstractHttpServerTest {

  static final class TeapotException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TeapotException() {
      super("short and stout");
    }
  }

  @Override
  protected Started start(ObsHttp http, App app) {
    Javalin javalin =
        Javalin.create(
                cfg -> {
                  cfg.registerPlugin(ObsJavalin.create(http));
                  cfg.startup.showJavalinBanner = false;
                  cfg.routes.before(ctx -> ctx.header("X-Before", "yes"));
                  cfg.routes.after(ctx -> ctx.header("X-After", "yes"));
                  cfg.routes.get("/hello", ctx -> ctx.result(app.hello()));
                  cfg.routes.get("/orders/{id}", ctx -> ctx.result("order " + ctx.pathParam("id")));
                  cfg.routes.get("/boom", ctx -> app.boom());
                  cfg.routes.get("/fail", ctx -> ctx.status(500).result("failed"));
                  cfg.routes.get("/bad", ctx -> ctx.status(400).result("bad"));
                  cfg.routes.get(
                      "/async",
                      ctx -> ctx.future(() -> CompletableFuture.supplyAsync(app::slow).thenAccept(ctx::result)));
                  cfg.routes.get("/user", ctx -> ctx.result(app.user()));
                  cfg.routes.get("/health", ctx -> ctx.result(app.health()));
                  cfg.routes.get("/anonymous", ctx -> app.anonymous());
                  cfg.routes.get("/teapot", ctx -> {
                    throw new TeapotException();
                  });
                  cfg.routes.exception(TeapotException.class, (e, ctx) -> ctx.status(418).result("teapot"));
                  cfg.routes.get("/metrics", ObsJavalin.metricsHandler(http.obs()));
                })
            .start("127.0.0.1", 0);
    return new Started(javalin.port(), javalin::stop);
  }

  @Test
  void exceptionMapper_answers418_theSpanKeepsTheRouteAndTheExceptionEvent_butIsNoError() throws Exception {
    HttpResponse<String> response = get("/teapot");
    assertThat(response.statusCode()).isEqualTo(418);
    assertThat(response.headers().firstValue("X-Before")).hasValue("yes");
    assertThat(response.headers().firstValue("X-After")).hasValue("yes");
    SpanData span = service.server();
    assertThat(span.getName()).isEqualTo("GET /teapot");
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(span.getEvents()).anySatisfy(e -> assertThat(
        e.getAttributes().get(AttributeKey.stringKey("exception.type"))).endsWith("TeapotException"));
    assertThat(service.timer("http.server.requests", "uri", "/teapot", "status", "418",
        "exception", "TeapotException").count()).isEqualTo(1);
  }

  @Test
  void metricsRoute_servesPrometheusOnTheApplicationsPort() throws Exception {
    get("/hello");
    HttpResponse<String> text = get("/metrics");
    assertThat(text.statusCode()).isEqualTo(200);
    assertThat(text.headers().firstValue("X-Trace-Id")).isEmpty(); // excluded by default: scrapes are not traffic

    assertThat(text.body()).contains("http_server_requests_seconds_count{exception=\"None\",method=\"GET\"");
    HttpResponse<String> open = get("/metrics", "Accept", "application/openmetrics-text; version=1.0.0");
    assertThat(open.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/openmetrics-text"));
    assertThat(open.body()).contains("trace_id=").endsWith("# EOF\n");
    assertThat(open.body()).doesNotContain("uri=\"/metrics\"");
  }
}
