/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Whether a request looks like it comes from a browser on this machine: the
 * client's address is loopback, it came through no proxy that says so, and it named this machine in its
 * {@code Host} header (so that a page on another site cannot read the console through DNS rebinding).
 *
 * <p>A reverse proxy on this machine that adds no header (nginx's default {@code proxy_pass
 * http://127.0.0.1:PORT}) makes every client pass this check: it is never enough on its own where the code
 * did not choose to trust loopback.
 */
final class LocalClient {
  private LocalClient() {}

  /** {@code address}: the IP the server reports; {@code header} reads one request header. */
  static boolean isLocal(@Nullable String address, Function<String, @Nullable String> header) {
    String host = header.apply("Host");
    return !forwarded(header) && host != null && loopbackHost(host) && isLoopbackAddress(address);
  }

  /** Whether a request came through a proxy that says so: it carries one of the headers proxies add. */
  static boolean forwarded(Function<String, @Nullable String> header) {
    return header.apply("Forwarded") != null || header.apply("X-Forwarded-For") != null || header.apply("X-Real-IP") != null;
  }

  /** Whether {@code host} (a Host header: name or address, with or without a port) names this machine. */
  static boolean loopbackHost(String host) {
    String name = host.trim().toLowerCase(Locale.ROOT);
    if (name.startsWith("[")) {
      int end = name.indexOf(']');
      name = end < 0 ? name : name.substring(0, end + 1);
    } else if (name.indexOf(':') >= 0 && name.indexOf(':') == name.lastIndexOf(':')) {
      name = name.substring(0, name.indexOf(':')); // host:port
    }
    return name.equals("localhost") || isLoopbackAddress(name);
  }

  /** Whether {@code address} is a loopback IP literal; a name is never looked up. */
  static boolean isLoopbackAddress(@Nullable String address) {
    if (address == null || address.isEmpty()) {
      return false;
    }
    String ip = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
    try {
      // Only an IP literal (digits and dots, or hex digits, colons and dots) reaches getByName, which would
      // look anything else up in DNS, on the request's thread
      boolean v4 = ip.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
      boolean v6 = ip.indexOf(':') >= 0 && ip.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
      return (v4 || v6) && InetAddress.getByName(ip).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
