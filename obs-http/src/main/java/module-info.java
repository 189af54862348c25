/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * obs4j for HTTP: one server lifecycle behind adapters for Javalin, Servlet filters and the JDK server, and
 * traced clients: {@code java.net.http}, Apache HttpClient 5 and OkHttp. Javalin, the Servlet API and the
 * two client libraries are optional: an application brings the one it uses.
 * On the module path the application's own module {@code requires} that library: obs4j reads it
 * {@code static}, without passing it on, so that no user needs the libraries of the adapters it does not use.
 */
module dev.obs4j.http {
  requires transitive dev.obs4j.core;
  requires transitive java.net.http;
  requires transitive jdk.httpserver;

  requires static io.javalin;
  requires static jakarta.servlet;
  requires static org.eclipse.jetty.ee10.servlet;
  requires static org.apache.httpcomponents.client5.httpclient5;
  requires static org.apache.httpcomponents.core5.httpcore5;
  requires static okhttp3;

  exports dev.obs4j.http;
  exports dev.obs4j.http.apache;
  exports dev.obs4j.http.client;
  exports dev.obs4j.http.javalin;
  exports dev.obs4j.http.jdk;
  exports dev.obs4j.http.okhttp;
  exports dev.obs4j.http.servlet;
}
