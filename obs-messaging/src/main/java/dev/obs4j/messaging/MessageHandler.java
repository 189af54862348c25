/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.messaging;

/**
 * The user's code for one message, run by an adapter inside the message's CONSUMER span.
 *
 * @param <M> the message
 * @param <E> what the code may throw, rethrown unchanged
 */
@FunctionalInterface
public interface MessageHandler<M, E extends Exception> {
  /** Handles {@code message}. */
  void handle(M message) throws E;
}
