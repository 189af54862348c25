/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import dev.obs4j.ConsoleAccess;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The one function every mount of the console calls (the metrics server and
 * the Javalin, servlet and JDK server adapters): who may see it, which page, and the answer with its
 * headers. A mount only turns its framework's request into a {@link Request} and writes the
 * {@link Response} back, so every mount answers alike.
 */
public final class ConsoleServer implements AutoCloseable {
  /** The Content-Security-Policy the pages are served with: nothing loads, nothing runs. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  private static final byte[] NO_BODY = new byte[0];
  private static final Response NOT_FOUND = new Response(404, Map.of(), NO_BODY);
  private static final Response NOT_ALLOWED = new Response(405, Map.of("Allow", "GET, HEAD"), NO_BODY);

  /** Where a console is mounted, which decides who may see it. */
  public enum Mount {
    /**
     * obs4j's own metrics server: clients on this machine ({@link LocalClient}), any client with
     * {@code OBS4J_CONSOLE_REMOTE=true}, or one with the console's credentials; others get a 404. The
     * server's own basic auth ({@code OBS4J_METRICS_SERVER_USERNAME}) is checked before, by the server.
     */
    METRICS_SERVER,
    /** An application's port, {@link ConsoleAccess#CREDENTIALS}. */
    CREDENTIALS,
    /** An application's port, {@link ConsoleAccess#LOCAL_OR_CREDENTIALS}. */
    LOCAL_OR_CREDENTIALS;

    /** The mount an application's adapter serves with {@code access}. */
    public static Mount of(ConsoleAccess access) {
      return access == ConsoleAccess.LOCAL_OR_CREDENTIALS ? LOCAL_OR_CREDENTIALS : CREDENTIALS;
    }
  }

  /**
   * A request as a mount sees it: the method, the raw path from the console's root ({@code /obs} ...), the
   * raw query, the client's IP address as the server reports it, and a reader of one request header.
   */
  public record Request(
      String method,
      String path,
      @Nullable String rawQuery,
      @Nullable String remoteAddress,
      Function<String, @Nullable String> header) {}

  /** The answer: status, headers ({@code Content-Type} among them) and body (empty for HEAD and errors). */
  public record Response(int status, Map<String, String> headers, byte[] body) {}

  private final ConsolePage pages;
  private final ConsoleCredentials credentials;
  private final boolean remote;
  private final PeerClient peers;

  /**
   * Serves {@code pages}; {@code credentials} open it on every mount; {@code remote} opens the metrics
   * server's mount to other machines; {@code peers} is closed with this server.
   */
  ConsoleServer(ConsolePage pages, ConsoleCredentials credentials, boolean remote, PeerClient peers) {
    this.pages = pages;
    this.credentials = credentials;
    this.remote = remote;
    this.peers = peers;
  }

  /**
   * The console over {@code ring} and {@code registry}: see {@link ConsolePage} for the links and the list
   * size, {@link PeerClient} for {@code peers}.
   */
  public static ConsoleServer create(
      TraceRing ring,
      io.micrometer.core.instrument.MeterRegistry registry,
      String service,
      @Nullable String jaegerUrl,
      @Nullable String logsUrl,
      boolean remote,
      java.util.List<java.net.URI> peerUrls,
      int listMax,
      ConsoleCredentials credentials) {
    PeerClient peers = new PeerClient(peerUrls, credentials);
    return new ConsoleServer(
        new ConsolePage(ring, registry, service, jaegerUrl, logsUrl, peers, listMax), credentials, remote, peers);
  }

  /** The answer of a console that is off ({@code console} null), or of {@code console}, to {@code request}. */
  public static Response serve(@Nullable ConsoleServer console, Request request, Mount mount) {
    return console == null ? NOT_FOUND : console.serve(request, mount);
  }

  /** The answer to {@code request} on {@code mount}. */
  public Response serve(Request request, Mount mount) {
    boolean head = request.method().equals("HEAD");
    if (!head && !request.method().equals("GET")) {
      return NOT_ALLOWED;
    }
    if (!credentials.matches(request.header().apply("Authorization"))) {
      boolean local = LocalClient.isLocal(request.remoteAddress(), request.header());
      switch (mount) {
        case METRICS_SERVER:
          if (!remote && !local) {
            return NOT_FOUND;
          }
          break;
        case LOCAL_OR_CREDENTIALS:
          if (!local) {
            return unauthorized();
          }
          break;
        default:
          return unauthorized();
      }
    }
    ConsolePage.Page page = pages.page(request.path(), ConsolePage.query(request.rawQuery()));
    if (page == null) {
      return NOT_FOUND;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", page.contentType());
    headers.put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    headers.put("X-Content-Type-Options", "nosniff");
    headers.put("Cache-Control", "no-store");
    return new Response(200, headers, head ? NO_BODY : page.body().getBytes(StandardCharsets.UTF_8));
  }

  private Response unauthorized() {
    return new Response(401, Map.of("WWW-Authenticate", credentials.challenge()), NO_BODY);
  }

  /** Ends the peer client's threads. */
  @Override
  public void close() {
    peers.close();
  }
}
