/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

/**
 * Who may see the console ({@code OBS4J_CONSOLE=true}) where an application mounts it on its own HTTP port:
 * the console shows user ids, statements and error messages, so a mount asks for credentials unless the
 * code chooses otherwise.
 *
 * <pre>{@code
 * cfg.routes.get("/obs", ObsJavalin.consoleHandler(obs));   // CREDENTIALS: OBS4J_CONSOLE_TOKEN, or user and password
 * }</pre>
 */
public enum ConsoleAccess {
  /**
   * Only requests that carry the console's credentials: {@code Authorization: Bearer} with
   * {@code OBS4J_CONSOLE_TOKEN}, or HTTP basic auth with {@code OBS4J_CONSOLE_USERNAME} and
   * {@code OBS4J_CONSOLE_PASSWORD}. Any other request is answered 401; with no credentials configured,
   * every request is. The default of every mount.
   */
  CREDENTIALS,

  /**
   * For development: requests with the credentials, and also requests from a browser on this machine
   * without them (a loopback client that names this machine in {@code Host} and came through no proxy that
   * says so). A reverse proxy on the same machine that adds no {@code X-Forwarded-For} (nginx's default
   * {@code proxy_pass http://127.0.0.1:PORT}) makes every client look local: never choose this where the
   * port is reachable through such a proxy.
   */
  LOCAL_OR_CREDENTIALS
}
