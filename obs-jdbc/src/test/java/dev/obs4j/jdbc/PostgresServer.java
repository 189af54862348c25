/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.jdbc;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL from Debian's {@code postgresql} package: a fresh cluster in a temporary directory,
 * listening on 127.0.0.1 on a free port, stopped with {@code pg_ctl stop} (and started again on the same
 * port, for tests of a database that goes away) and deleted. As root it runs as
 * user {@code postgres} (initdb refuses root). A missing installation is a failure: {@code .ci/run}
 * installs it.
 */
public final class PostgresServer implements AutoCloseable {
  private final Path dir;
  private final String bin;
  private final int port;
  private final boolean asPostgresUser;
  private boolean running;

  public PostgresServer() throws IOException, InterruptedException {
    bin = findBin();
    asPostgresUser = "root".equals(System.getProperty("user.name"));
    dir = Files.createTempDirectory("obs4j-pg");
    port = freePort();
    if (asPostgresUser) {
      run(List.of("chown", "postgres:postgres", dir.toString()), false);
    }
    run(List.of(bin + "/initdb", "-D", dir.resolve("data").toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8"), true);
    start();
  }

  /** Starts the server (again) on the same port and data. */
  public void start() throws IOException, InterruptedException {
    run(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-l", dir.resolve("pg.log").toString(),
        "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -k " + dir, "-w", "-t", "60", "start"), true);
    running = true;
  }

  /** Stops the server, closing every client connection (a fast shutdown); {@link #start} brings it back. */
  public void stop() throws IOException, InterruptedException {
    if (running) {
      run(List.of(bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"), true);
      running = false;
    }
  }

  private static String findBin() {
    File base = new File("/usr/lib/postgresql");
    File[] versions = base.listFiles();
    if (versions != null) {
      for (File version : versions) {
        if (new File(version, "bin/pg_ctl").canExecute()) {
          return new File(version, "bin").getPath();
        }
      }
    }
    throw new AssertionError("PostgreSQL is not installed (Debian package postgresql; bash .ci/run installs it)");
  }

  private void run(List<String> command, boolean asUser) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>();
    if (asUser && asPostgresUser) {
      full.addAll(List.of("su", "postgres", "-s", "/bin/sh", "-c", String.join(" ", command.stream().map(PostgresServer::quote).toList())));
    } else {
      full.addAll(command);
    }
    Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(90, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException("failed: " + command + "\n" + output);
    }
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "'\\''") + "'";
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      stop();
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
