/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The gateway (service A): the public face of the demo. It takes the user id from {@code X-User-Id}, checks
 * what it can, and calls the orders service with a client traced by obs4j ({@link OrdersClient}: the JDK's
 * or Apache HttpClient 5), which carries the trace and the user id along.
 */
final class Gateway {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  /**
   * One INFO line per request the gateway served (route, status, user), which the usage dashboards count
   * distinct users from: a metric tagged by user would grow without bound. Its own logger, so it can be
   * turned down ({@code <Logger name="dev.obs4j.demo.access" level="WARN"/>}).
   */
  static final String ACCESS_LOGGER = "dev.obs4j.demo.access";

  private static final Logger access = LoggerFactory.getLogger(ACCESS_LOGGER);

  private final Obs obs;
  private final OrdersClient orders;
  private final URI ordersBase;

  Gateway(ObsHttp http, OrdersClient orders, URI ordersBase) {
    this.obs = http.obs();
    this.orders = orders;
    this.ordersBase = ordersBase;
  }

  Javalin create(ObsHttp http, Dependencies needs) {
    return Javalin.create(
        cfg -> {
          DemoHttp.configure(cfg, http, needs);
          cfg.routes.before(
              ctx -> {
                String user = ctx.header("X-User-Id");
                if (user != null && !user.isBlank()) {
                  ObsContext.setUserId(user.trim()); // span enduser.id, log user.id, and baggage downstream
                }
              });
          cfg.routes.post("/orders", this::placeOrder);
          cfg.routes.get("/orders/{id}", ctx -> {
            if (DemoHttp.id(ctx) >= 0) {
              forward(ctx, "GET", "/orders/" + ctx.pathParam("id"), null);
            }
          });
          cfg.routes.get("/call-service-b", ctx -> forward(ctx, "GET", "/hello", null));
          cfg.routes.get("/slow", ctx -> forward(ctx, "GET", "/slow", null));
          cfg.routes.get("/serverError", ctx -> {
            throw new IllegalStateException("inventory lookup failed: the demo's simulated outage");
          });
          cfg.routes.get("/example", this::example);
          cfg.routes.after(Gateway::logAccess);
        });
  }

  private void placeOrder(Context ctx) throws Exception {
    OrdersService.NewOrder order = ctx.bodyAsClass(OrdersService.NewOrder.class);
    String problem = obs.inSpan("validate order", () -> validate(order));
    if (problem != null) {
      DemoHttp.error(ctx, HttpStatus.BAD_REQUEST, problem);
      return;
    }
    forward(ctx, "POST", "/orders", DemoHttp.JSON.writeValueAsString(order));
  }

  private static String validate(OrdersService.NewOrder order) {
    if (order.item() == null || order.item().isBlank()) {
      return "an order needs an item";
    }
    if (order.quantity() < 1 || order.quantity() > 100) {
      return "quantity must be from 1 to 100";
    }
    log.debug("order for {} x {} is valid", order.quantity(), order.item());
    return null;
  }

  /** The access line of a request to one of the gateway's own routes (not the metrics, health or console). */
  private static void logAccess(Context ctx) {
    io.javalin.router.Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
    if (endpoint == null || endpoint.path.equals("/metrics") || endpoint.path.startsWith("/healthy")
        || endpoint.path.startsWith("/obs")) {
      return;
    }
    String method = ctx.method().name();
    int status = ctx.statusCode();
    MDC.put("http.route", endpoint.path);
    MDC.put("http.request.method", method);
    MDC.put("http.response.status_code", Integer.toString(status));
    try {
      access.info("{} {} answered {}", method, endpoint.path, status);
    } finally {
      MDC.remove("http.route");
      MDC.remove("http.request.method");
      MDC.remove("http.response.status_code");
    }
  }

  private void example(Context ctx) {
    if ("server".equals(ctx.queryParam("fail"))) {
      throw new IllegalStateException("fail=server asked for a server error");
    }
    if ("client".equals(ctx.queryParam("fail"))) {
      DemoHttp.error(ctx, HttpStatus.BAD_REQUEST, "fail=client asked for a client error");
      return;
    }
    ctx.json(Map.of("example", "ok"));
  }

  /** Calls the orders service and answers with what it answered; one retry for a GET that found it down. */
  private void forward(Context ctx, String method, String path, String body) throws InterruptedException {
    URI uri = ordersBase.resolve(path);
    OrdersClient.Answer response;
    try {
      response = orders.send(method, uri, body);
    } catch (IOException first) {
      if (!method.equals("GET")) {
        DemoHttp.error(ctx, HttpStatus.BAD_GATEWAY, "the orders service did not answer: " + first.getMessage());
        return;
      }
      // recoverable: a GET can be repeated
      log.warn("the orders service did not answer {} {} ({}); trying once more", method, path, first.toString());
      try {
        response = orders.send(method, uri, body);
      } catch (IOException second) {
        DemoHttp.error(ctx, HttpStatus.BAD_GATEWAY, "the orders service did not answer: " + second.getMessage());
        return;
      }
    }
    ctx.status(response.status()).contentType("application/json").result(response.body());
  }
}
