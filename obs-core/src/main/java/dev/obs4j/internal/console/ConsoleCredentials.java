/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The credentials that open the console ({@code OBS4J_CONSOLE_TOKEN}, or
 * {@code OBS4J_CONSOLE_USERNAME} with {@code OBS4J_CONSOLE_PASSWORD}): checks an {@code Authorization}
 * header against them in constant time, and gives the header the console sends its peers.
 */
public final class ConsoleCredentials {
  /** No credentials: nothing a request sends matches. */
  public static final ConsoleCredentials NONE = new ConsoleCredentials(null, null, null);

  private static final String REALM = "realm=\"obs4j console\"";

  private final byte @Nullable [] tokenDigest;
  private final byte @Nullable [] basicDigest;
  private final @Nullable String outgoing;
  private final boolean basic;

  /** A bearer {@code token}, and/or HTTP basic {@code username} and {@code password} (both or neither). */
  public ConsoleCredentials(@Nullable String token, @Nullable String username, @Nullable String password) {
    this.tokenDigest = token == null ? null : sha256(token);
    this.basic = username != null && password != null;
    String pair = basic ? username + ':' + password : null;
    this.basicDigest = pair == null ? null : sha256(pair);
    this.outgoing =
        token != null
            ? "Bearer " + token
            : pair != null ? "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)) : null;
  }

  /** Whether any credentials are configured. */
  public boolean configured() {
    return tokenDigest != null || basicDigest != null;
  }

  /**
   * Whether {@code authorization} (an {@code Authorization} header) carries the token as {@code Bearer} or
   * the user and password as {@code Basic}; the scheme is read case-insensitively (RFC 7617, RFC 6750). Both
   * sides are hashed before the constant-time comparison, so neither the answer's timing nor a length tells
   * how close a guess was.
   */
  public boolean matches(@Nullable String authorization) {
    if (authorization == null) {
      return false;
    }
    String header = authorization.trim();
    int space = header.indexOf(' ');
    if (space < 0) {
      return false;
    }
    String scheme = header.substring(0, space).toLowerCase(Locale.ROOT);
    String value = header.substring(space + 1).trim();
    if (scheme.equals("bearer") && tokenDigest != null) {
      return MessageDigest.isEqual(tokenDigest, sha256(value));
    }
    if (scheme.equals("basic") && basicDigest != null) {
      try {
        return MessageDigest.isEqual(
            basicDigest, sha256(new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
      } catch (IllegalArgumentException notBase64) {
        return false;
      }
    }
    return false;
  }

  /** The {@code WWW-Authenticate} challenge for a request without the right credentials. */
  public String challenge() {
    return basic ? "Basic " + REALM + ", charset=\"UTF-8\"" : "Bearer " + REALM;
  }

  /** The {@code Authorization} header this console sends when it asks its peers, or null for none. */
  @Nullable String outgoing() {
    return outgoing;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Says which kinds are set, never their values. */
  @Override
  public String toString() {
    return "ConsoleCredentials{" + (tokenDigest != null ? "token" : "") + (tokenDigest != null && basic ? ", " : "")
        + (basic ? "basic" : "") + "}";
  }
}
