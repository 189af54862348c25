/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import java.sql.SQLException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where orders live. Its methods carry OpenTelemetry's own {@code @WithSpan}: {@code obs.traced(...)} makes
 * each call a span without an agent, and the same code would be traced unchanged under the agent.
 */
interface OrderBook {
  /** Stores a NEW order and returns it with its id. */
  @WithSpan("OrderBook.place")
  Order place(
      @SpanAttribute("order.item") String item,
      @SpanAttribute("order.quantity") int quantity,
      @Nullable String userId)
      throws SQLException;

  /** The order with {@code id}, if there is one. */
  @WithSpan("OrderBook.find")
  Optional<Order> find(@SpanAttribute("order.id") long id) throws SQLException;

  /** Marks the order SHIPPED; returns whether it existed. */
  @WithSpan("OrderBook.ship")
  boolean ship(@SpanAttribute("order.id") long id) throws SQLException;

  /** A report that runs long enough to trip the slow-statement WARN. */
  @WithSpan("OrderBook.slowReport")
  long slowReport() throws SQLException;
}
