/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.ObsContext;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker: takes new orders off the queue and ships them. Each delivery runs in the CONSUMER span that
 * obs4j starts as the continuation of the orders service's PRODUCER span, so its database update and log
 * lines belong to the request that placed the order, user id included.
 */
final class Worker {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  /** What the queue calls with each order id. */
  @FunctionalInterface
  interface Handler {
    void handle(long orderId) throws Exception;
  }

  private final OrderBook book;

  Worker(OrderBook book) {
    this.book = book;
  }

  void ship(long orderId) throws SQLException {
    if (book.ship(orderId)) {
      log.info("order {} shipped for user {}", orderId, ObsContext.userId());
    } else {
      log.warn("order {} came off the queue but is not in the database; dropped", orderId);
    }
  }
}
