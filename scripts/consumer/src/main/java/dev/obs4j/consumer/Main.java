/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.consumer;

import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.javalin.ObsJavalin;
import dev.obs4j.jdbc.ObsJdbc;
import io.javalin.Javalin;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The smallest traced service a user writes: Javalin with obs4j's plugin, one route that reads H2 through a
 * traced DataSource, and the metrics route. Settings come from the standard OTEL_* variables.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws SQLException {
    Obs obs = Obs.builder().serviceName("consumer").build();
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL("jdbc:h2:mem:consumer;DB_CLOSE_DELAY=-1");
    try (Connection connection = h2.getConnection(); Statement ddl = connection.createStatement()) {
      ddl.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(64))");
      ddl.execute("INSERT INTO orders VALUES (17, 'book')");
    }
    DataSource database = ObsJdbc.create(obs).wrap(h2);
    Javalin app =
        Javalin.create(cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.registerPlugin(ObsJavalin.create(ObsHttp.create(obs)));
              cfg.routes.get("/metrics", ObsJavalin.metricsHandler(obs));
              cfg.routes.get("/orders/{id}", ctx -> {
                try (Connection connection = database.getConnection();
                    PreparedStatement select = connection.prepareStatement("SELECT item FROM orders WHERE id = ?")) {
                  select.setInt(1, Integer.parseInt(ctx.pathParam("id")));
                  try (ResultSet row = select.executeQuery()) {
                    ctx.result(row.next() ? row.getString(1) : "none");
                  }
                }
              });
            })
            .start("127.0.0.1", 0);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      app.stop();
      obs.close();
    }));
    System.out.println("LISTENING " + app.port() + " module " + Main.class.getModule().getName());
  }
}
