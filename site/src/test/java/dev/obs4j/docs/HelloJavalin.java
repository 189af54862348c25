/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

// tag::app[]
import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import io.javalin.Javalin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public final class HelloJavalin {
  private static final Logger log = LoggerFactory.getLogger(HelloJavalin.class);

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    Obs obs = Obs.builder().serviceName("hello").metricsServer("127.0.0.1", 9464).build();
    Javalin.create(cfg -> {
      cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
      cfg.routes.get("/hello/{name}", ctx -> {
        log.info("saying hello");
        ctx.result("Hello, " + ctx.pathParam("name") + "\n");
      });
    }).start("127.0.0.1", port);
  }
}
// end::app[]
