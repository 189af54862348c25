/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import dev.obs4j.Secrets;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. A stand-in for an exception whose message (or a cause's) carries a secret,
 * such as a driver's "No suitable driver found for jdbc:...password=...": the same stack trace and causes,
 * every message masked by {@link Secrets#mask}, the original class named at the head of the message. obs4j
 * hands it to a logger instead of the original; a log line then shows
 * {@code MaskedThrowable: java.sql.SQLException: ... password=****}. An exception with nothing to mask is
 * logged as it is.
 */
public final class MaskedThrowable extends Throwable {
  private static final long serialVersionUID = 1L;
  private static final int MAX_DEPTH = 16;

  private MaskedThrowable(Throwable original, @Nullable Throwable cause) {
    super(
        original.getClass().getName() + (original.getMessage() == null ? "" : ": " + Secrets.mask(original.getMessage())),
        cause,
        true,
        true);
    setStackTrace(original.getStackTrace());
  }

  private static MaskedThrowable copy(Throwable original, int depth, Set<Throwable> seen) {
    Throwable cause = original.getCause();
    MaskedThrowable copy = new MaskedThrowable(
        original, cause != null && depth < MAX_DEPTH && seen.add(cause) ? copy(cause, depth + 1, seen) : null);
    for (Throwable suppressed : original.getSuppressed()) {
      if (depth < MAX_DEPTH && seen.add(suppressed)) {
        copy.addSuppressed(copy(suppressed, depth + 1, seen));
      }
    }
    return copy;
  }

  /** {@code error} itself when no message in it or its causes holds a secret; else its masked stand-in. */
  public static @Nullable Throwable of(@Nullable Throwable error) {
    if (error == null || !holdsSecret(error)) {
      return error;
    }
    try {
      Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      seen.add(error);
      return copy(error, 0, seen);
    } catch (RuntimeException e) {
      return null; // a stand-in we cannot build: log no stack trace rather than a secret
    }
  }

  /** Whether a message in {@code error}, its causes or their suppressed exceptions changes when masked. */
  public static boolean holdsSecret(Throwable error) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    return holdsSecret(error, seen, 0);
  }

  private static boolean holdsSecret(@Nullable Throwable error, Set<Throwable> seen, int depth) {
    if (error == null || depth > MAX_DEPTH || !seen.add(error)) {
      return false;
    }
    String message = error.getMessage();
    if (message != null && !Secrets.mask(message).equals(message)) {
      return true;
    }
    for (Throwable suppressed : error.getSuppressed()) {
      if (holdsSecret(suppressed, seen, depth + 1)) {
        return true;
      }
    }
    return holdsSecret(error.getCause(), seen, depth + 1);
  }

  /** {@code error}'s stack trace as {@link Throwable#printStackTrace()} writes it, with secrets masked. */
  public static String maskedStackTrace(Throwable error) {
    StringWriter out = new StringWriter();
    try (PrintWriter writer = new PrintWriter(out)) {
      error.printStackTrace(writer);
    }
    return Secrets.mask(out.toString());
  }

  /** {@code error} as its {@code toString()} reads, with secrets masked. */
  public static String describe(Throwable error) {
    return Secrets.mask(String.valueOf(error));
  }

  @Override
  public String toString() {
    return "MaskedThrowable: " + getMessage();
  }
}
