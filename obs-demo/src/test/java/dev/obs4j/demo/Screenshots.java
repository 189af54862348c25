/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.testing.Chromium;
import dev.obs4j.testing.PrometheusServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Screenshots of the real UIs a test has running, for the demo page of the site: the page is first taken as
 * the browser built it and checked (so that a screenshot shows the state the test made, not a page still
 * loading), then shot into target/screenshots. Chromium's virtual clock gives the page's scripts time to
 * fetch and draw. Debian's Prometheus 2.42 serves its classic UI only (under /classic); Debian's Alertmanager
 * has no web UI at all.
 */
final class Screenshots {
  static final Path DIR = Path.of("target", "screenshots");
  private static final int SCRIPT_MILLIS = 3_000;

  private Screenshots() {}

  /**
   * Prometheus's graph page with {@code expr}: its graph over the last {@code range} (e.g. {@code 2m}), or with
   * {@code table} its console tab, the instant values as a table.
   */
  static String prometheusGraph(PrometheusServer prometheus, String expr, boolean table, String range) {
    return "http://127.0.0.1:" + prometheus.port() + "/classic/graph?g0.expr=" + PrometheusServer.encode(expr)
        + "&g0.tab=" + (table ? 1 : 0) + "&g0.range_input=" + range;
  }

  /** Prometheus's alerts page: every alerting rule, red when firing. */
  static String prometheusAlerts(PrometheusServer prometheus) {
    return "http://127.0.0.1:" + prometheus.port() + "/classic/alerts";
  }

  /**
   * Checks the page at {@code url} with {@code check} (on its DOM after the scripts ran), then shoots it at
   * 1280 x {@code height} into target/screenshots/{@code name}.png, which must be larger than {@code minBytes}
   * (a blank page is a few kilobytes).
   */
  static Path take(String url, String name, int height, int minBytes, Consumer<String> check) throws Exception {
    check.accept(Chromium.dom(url, SCRIPT_MILLIS));
    Path png = DIR.resolve(name + ".png");
    Files.deleteIfExists(png);
    Chromium.screenshot(url, png, height, SCRIPT_MILLIS);
    assertThat(Files.size(png)).as("screenshot %s of %s in bytes", png, url).isGreaterThan(minBytes);
    return png;
  }
}
