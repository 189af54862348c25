/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * obs4j for HTTP: one server lifecycle behind adapters for Javalin, Servlet filters and the JDK server, and
 * a traced {@code java.net.http} client. Javalin and the Servlet API are optional: an application brings
 * the one it uses.
 */
module dev.obs4j.http {
  requires transitive dev.obs4j.core;
  requires transitive java.net.http;
  requires transitive jdk.httpserver;

  requires static transitive io.javalin;
  requires static transitive jakarta.servlet;
  requires static org.eclipse.jetty.ee10.servlet;

  exports dev.obs4j.http;
  exports dev.obs4j.http.client;
  exports dev.obs4j.http.javalin;
  exports dev.obs4j.http.jdk;
  exports dev.obs4j.http.servlet;
}
