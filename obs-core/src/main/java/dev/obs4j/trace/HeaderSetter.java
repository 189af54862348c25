/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

/**
 * Writes one header on a carrier: an outgoing request, a response, a message's headers, a map. The one
 * shape every obs4j integration writes headers through; {@link HeaderGetter} is its reading twin. The
 * carrier decides whether a second value replaces the first. For example
 * {@code HttpRequest.Builder::setHeader}, {@code HttpServletResponse::setHeader} or {@code Map::put}.
 *
 * @param <C> the carrier type
 */
@FunctionalInterface
public interface HeaderSetter<C> {
  /** Sets header {@code name} to {@code value} on {@code carrier}. */
  void set(C carrier, String name, String value);
}
