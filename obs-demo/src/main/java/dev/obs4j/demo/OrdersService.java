/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orders service (service B): stores orders through obs4j's traced JDBC and hands them to the worker
 * through the traced queue. Only the gateway calls it.
 */
final class OrdersService {
  private static final Logger log = LoggerFactory.getLogger(OrdersService.class);

  /** The body of {@code POST /orders}. */
  record NewOrder(String item, int quantity) {}

  private final OrderBook book;
  private final Supplier<@Nullable OrderQueue> queue;
  private final String queueSettings;

  /** {@code queue} is null until the broker was reached; {@code queueSettings} name the broker's settings. */
  OrdersService(OrderBook book, Supplier<@Nullable OrderQueue> queue, String queueSettings) {
    this.book = book;
    this.queue = queue;
    this.queueSettings = queueSettings;
  }

  Javalin create(ObsHttp http, Dependencies needs) {
    return Javalin.create(
        cfg -> {
          DemoHttp.configure(cfg, http, needs);
          cfg.routes.post("/orders", this::place);
          cfg.routes.get("/orders/{id}", this::find);
          cfg.routes.get("/hello", ctx -> ctx.json(Map.of("service", "orders", "message", "hello from orders")));
          cfg.routes.get("/slow", ctx -> ctx.json(Map.of("waiting", book.slowReport())));
        });
  }

  private void place(Context ctx) throws Exception {
    OrderQueue orders = queue.get();
    if (orders == null) {
      // a part on its own that has not reached its broker yet: its readiness says so too
      DemoHttp.error(ctx, HttpStatus.SERVICE_UNAVAILABLE,
          "the orders service has not reached its queue yet (" + queueSettings + "); see /healthy/ready");
      return;
    }
    NewOrder request = ctx.bodyAsClass(NewOrder.class);
    if (request.item() == null || request.item().isBlank() || request.quantity() < 1) {
      DemoHttp.error(ctx, HttpStatus.BAD_REQUEST, "an order needs an item and a quantity of at least 1");
      return;
    }
    Order order = book.place(request.item(), request.quantity(), ObsContext.userId());
    if (!orders.publish(order.id())) {
      // recoverable: the order is stored, a later sweep can publish it again
      log.warn("order {} stays {}: the {} queue did not take it", order.id(), order.status(), OrderQueue.NAME);
    }
    log.info("order {} placed: {} x {}", order.id(), order.quantity(), order.item());
    ctx.status(HttpStatus.CREATED).json(order);
  }

  private void find(Context ctx) throws Exception {
    long id = DemoHttp.id(ctx);
    if (id < 0) {
      return;
    }
    Optional<Order> order = book.find(id);
    if (order.isPresent()) {
      ctx.json(order.get());
    } else {
      DemoHttp.error(ctx, HttpStatus.NOT_FOUND, "no order " + id);
    }
  }
}
