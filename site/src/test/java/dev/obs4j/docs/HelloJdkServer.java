/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

// tag::app[]
import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class HelloJdkServer {
  private static final Logger log = LoggerFactory.getLogger(HelloJdkServer.class);

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    Obs obs = Obs.builder().serviceName("hello").metricsServer("127.0.0.1", 9464).build();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/hello/", exchange -> {
      ObsContext.setRoute("/hello/{name}");
      log.info("saying hello");
      String name = exchange.getRequestURI().getPath().substring("/hello/".length());
      byte[] body = ("Hello, " + name + "\n").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }).getFilters().add(ObsHttpServerFilter.create(ObsHttp.create(obs)));
    server.start();
  }
}
// end::app[]
