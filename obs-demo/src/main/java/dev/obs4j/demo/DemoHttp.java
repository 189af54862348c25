/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.obs4j.ConsoleAccess;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * What every part's HTTP server has: obs4j's plugin, JSON, errors, {@code /metrics}, the console, and the
 * health checks {@code /healthy} (alive: 200 while the process serves) and {@code /healthy/ready} (200 when
 * every dependency of the part was reached, else 503 naming each one that was not and its setting). Neither
 * is traced or timed: obs4j leaves out {@code /healthy} and every path below it by default.
 */
final class DemoHttp {
  static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private DemoHttp() {}

  /** A server with only what every part has: the worker's. */
  static Javalin create(ObsHttp http, Dependencies needs) {
    return Javalin.create(cfg -> configure(cfg, http, needs));
  }

  static void configure(JavalinConfig cfg, ObsHttp http, Dependencies needs) {
    cfg.registerPlugin(ObsJavalin.create(http));
    cfg.startup.showJavalinBanner = false;
    cfg.startup.showOldJavalinVersionWarning = false;
    cfg.jsonMapper(new JavalinJackson(JSON, false));
    // SIGTERM: stop accepting, let requests in flight finish (up to 10 s), then stop.
    cfg.jetty.modifyServer(server -> server.setStopTimeout(10_000));
    cfg.jetty.modifyServletContextHandler(context -> context.insertHandler(new GracefulHandler()));
    cfg.routes.get("/metrics", ObsJavalin.metricsHandler(http.obs()));
    cfg.routes.get("/healthy", ctx -> ctx.json(Map.of("status", "UP")));
    cfg.routes.get(
        "/healthy/ready",
        ctx -> ctx.status(needs.ready() ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(needs.report()));
    // The console on the app's own port, open to a browser on this machine without credentials: a choice
    // for a demo on a developer's machine, never for a port a reverse proxy serves (nginx's default
    // proxy_pass makes every client look local). OBS4J_CONSOLE_TOKEN still lets others in with the token.
    io.javalin.http.Handler console = ObsJavalin.consoleHandler(http.obs(), ConsoleAccess.LOCAL_OR_CREDENTIALS);
    cfg.routes.get("/obs", console);
    cfg.routes.get("/obs/trace/{id}", console);
    cfg.routes.exception(
        io.javalin.http.BadRequestResponse.class,
        (e, ctx) -> error(ctx, HttpStatus.BAD_REQUEST, e.getMessage()));
    cfg.routes.exception(
        Exception.class,
        // obs4j's filter has recorded the exception on the span and logs one ERROR line with its stack trace
        (e, ctx) -> error(ctx, HttpStatus.INTERNAL_SERVER_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage()));
  }

  /** Answers a JSON error that carries the trace id, so a user can report one id. */
  static void error(Context ctx, HttpStatus status, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", message);
    body.put("status", status.getCode());
    String traceId = ObsContext.traceId();
    if (traceId != null) {
      body.put("traceId", traceId);
    }
    ctx.status(status).json(body);
  }

  /** The {@code {id}} path parameter, or -1 after answering 400. */
  static long id(Context ctx) {
    try {
      return Long.parseLong(ctx.pathParam("id"));
    } catch (NumberFormatException e) {
      error(ctx, HttpStatus.BAD_REQUEST, "an order id is a number");
      return -1;
    }
  }
}
