/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import org.jspecify.annotations.Nullable;

/**
 * The request as a framework adapter sees it; the one thing an adapter implements for the server side.
 * Methods are called on the request thread at start, and {@link #route()} again when the response is
 * known.
 */
public interface HttpServerRequest {
  /** The HTTP method, e.g. {@code GET}. */
  String method();

  /** The path without the query string, e.g. {@code /orders/17}. */
  String path();

  /**
   * The matched route template, e.g. {@code /orders/{id}}, or null when no route matched (or none is known
   * yet). Asked at start, before the framework's handler runs: a route known then names the span as it
   * starts, which is when samplers decide (Jaeger's per-operation strategies match that name), so return it
   * there whenever the framework can tell. Asked again when the response is known, for frameworks that route
   * inside their handler; a different answer then renames the span. Must not return a raw path.
   */
  @Nullable String route();

  /** The first value of a request header, or null; {@code name} is matched case-insensitively. */
  @Nullable String header(String name);

  /**
   * The request's header names as the server holds them. Propagation needs them to find headers it cannot
   * name in advance, such as Jaeger's {@code uberctx-*} baggage; an adapter that cannot list them returns an
   * empty list, and such baggage is then lost.
   */
  Iterable<String> headerNames();

  /** {@code http} or {@code https}. */
  default String scheme() {
    return "http";
  }

  /** The host the client addressed, or null. */
  default @Nullable String serverAddress() {
    return null;
  }

  /** The port the client addressed, or -1. */
  default int serverPort() {
    return -1;
  }

  /** The peer's address, or null. */
  default @Nullable String clientAddress() {
    return null;
  }
}
