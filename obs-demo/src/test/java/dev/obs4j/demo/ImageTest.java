/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.obs4j.testing.UdpAgent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The container image as far as this machine can run it without Docker: what {@code compose/Dockerfile} says
 * (its numeric USER, its ENV, the JVM options of its ENTRYPOINT) applied to the demo, which then runs as that
 * user with the whole root file system mounted read-only (a private mount namespace, as a pod with
 * {@code readOnlyRootFilesystem: true} and {@code runAsNonRoot: true}), from a copy of its class path that
 * user can read, as the image's /app is.
 */
class ImageTest {
  private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)");

  /** The few instructions the test applies, read from the Dockerfile. */
  record Dockerfile(String user, Map<String, String> env, List<String> entrypoint) {
    static Dockerfile read(Path file) throws IOException {
      String text = Files.readString(file).replaceAll("\\\\\\n", " "); // continuation lines
      String user = null;
      Map<String, String> env = new LinkedHashMap<>();
      List<String> entrypoint = List.of();
      for (String line : text.split("\n")) {
        String trimmed = line.trim();
        if (trimmed.startsWith("USER ")) {
          user = trimmed.substring(5).trim();
        } else if (trimmed.startsWith("ENV ")) {
          Matcher pair = ENV_PAIR.matcher(trimmed.substring(4));
          while (pair.find()) {
            String value = pair.group(2);
            env.put(pair.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
          }
        } else if (trimmed.startsWith("ENTRYPOINT ")) {
          List<String> words = new ArrayList<>();
          DemoProcess.JSON.readTree(trimmed.substring(11)).forEach(w -> words.add(w.asText()));
          entrypoint = List.copyOf(words);
        }
      }
      return new Dockerfile(String.valueOf(user), env, entrypoint);
    }
  }

  @Test
  void dockerfile_numericNonRootUser_entrypointIsTheJar_andNoLogFileByDefault() throws IOException {
    Dockerfile image = Dockerfile.read(ComposeFiles.file("Dockerfile"));
    assertThat(image.user()).as("USER, numeric so that runAsNonRoot can verify it").matches("10001(:10001)?");
    assertThat(image.entrypoint()).startsWith("java").endsWith("-jar", "/app/obs-demo.jar");
    assertThat(image.env()).containsEntry("OBS4J_DEMO_LOG_DIR", "").containsEntry("DEMO_HOST", "0.0.0.0");
  }

  @Test
  void asTheImageUser_onAReadOnlyRootFileSystem_servesAndLogsJsonToStandardOutputOnly() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "switching users and mounts needs root");
    Dockerfile image = Dockerfile.read(ComposeFiles.file("Dockerfile"));
    String uid = image.user().split(":")[0];
    String gid = image.user().contains(":") ? image.user().split(":")[1] : uid;
    Path app = Files.createTempDirectory("obs-demo-image");
    try {
      String classPath = readableCopyOfTheClassPath(app);
      DemoProcess.Options options = DemoProcess.options().env(image.env());
      options.logDirProperty = false;
      options.classPath = classPath;
      options.workingDirectory = app;
      List<String> entrypoint = image.entrypoint();
      options.jvmOptions.addAll(entrypoint.subList(1, entrypoint.indexOf("-jar")));
      options.wrapper = command -> {
        List<String> wrapped = new ArrayList<>(List.of(
            "unshare", "-m", "--propagation", "private", "sh", "-c",
            "mount -o remount,bind,ro / && exec setpriv --reuid=" + uid + " --regid=" + gid + " --clear-groups \"$@\"",
            "sh"));
        wrapped.addAll(command);
        return wrapped;
      };
      try (UdpAgent agent = new UdpAgent();
          DemoProcess demo = DemoProcess.start(agent.port(), options)) {
        String status = Files.readString(Path.of("/proc", Long.toString(demo.process().pid()), "status"));
        assertThat(status).containsPattern("(?m)^Uid:\\s+" + uid + "\\s+" + uid + "\\s");

        OneTraceTest.Placed placed = OneTraceTest.placeAndShip(demo);
        assertThat(JaegerTrace.await(agent, placed.traceId(), 10, 30).spans()).hasSizeGreaterThanOrEqualTo(10);
        demo.awaitOutput(out -> out.contains("shipped for user alice"), 10);
        // Every line is JSON: log4j complained of no file it could not write (it would, on stderr, here).
        List<JsonNode> lines = LogFormatTest.jsonLines(demo.stdout());
        assertThat(lines).anySatisfy(l -> assertThat(l.path("trace.id").asText()).isEqualTo(placed.traceId()));
        assertThat(Files.exists(app.resolve("logs"))).isFalse();
        assertThat(Files.exists(demo.logFile())).isFalse();
      }
    } finally {
      try (Stream<Path> files = Files.walk(app)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Copies the demo's class path under {@code app}, readable by every user (the test's own is under /root). */
  private static String readableCopyOfTheClassPath(Path app) throws IOException {
    Files.setPosixFilePermissions(app, PosixFilePermissions.fromString("rwxr-xr-x"));
    List<String> entries = new ArrayList<>();
    int i = 0;
    for (String entry : DemoProcess.demoClassPathEntries()) {
      Path source = Path.of(entry);
      if (!Files.exists(source)) {
        continue;
      }
      Path target = app.resolve((i++) + "-" + source.getFileName());
      try (Stream<Path> files = Files.walk(source)) {
        for (Path file : files.toList()) {
          Path copy = target.resolve(source.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(copy);
          } else {
            Files.createDirectories(copy.getParent());
            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
          }
          Files.setPosixFilePermissions(
              copy, PosixFilePermissions.fromString(Files.isDirectory(copy) ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
      entries.add(target.toString());
    }
    return String.join(java.io.File.pathSeparator, entries);
  }
}
