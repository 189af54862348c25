/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Internal, not for public use. The console's "RED at a glance": per route, requests, errors and latency
 * percentiles from the registry's own timers (the same ones Prometheus scrapes); per queue, time in the
 * queue and enqueue errors; and the exporters' own accounting. Percentiles are read from the timers'
 * histogram buckets, so each is the upper bound of the bucket it falls in.
 */
final class RedSummary {
  private RedSummary() {}

  static String html(MeterRegistry registry, double uptimeSeconds) {
    StringBuilder html = new StringBuilder();
    html.append("<h2>Requests by route</h2><table><tr><th>route</th><th>requests</th><th>per second since start</th>"
        + "<th>server errors</th><th>p50</th><th>p95</th><th>p99</th></tr>");
    Map<String, List<Timer>> routes = group(registry.find("http.server.requests").timers(),
        t -> t.getId().getTag("method") + " " + t.getId().getTag("uri"));
    routes.forEach((route, timers) -> {
      long count = timers.stream().mapToLong(Timer::count).sum();
      long errors = timers.stream().filter(t -> String.valueOf(t.getId().getTag("status")).startsWith("5"))
          .mapToLong(Timer::count).sum();
      row(html, route, timers, uptimeSeconds, ratio(errors, count));
    });
    if (routes.isEmpty()) {
      html.append("<tr><td colspan=\"7\">no request served yet</td></tr>");
    }
    html.append("</table><h2>Queues</h2><table><tr><th>destination</th><th>messages received</th>"
        + "<th>per second since start</th><th>enqueue errors</th><th>queue time p50</th><th>p95</th><th>p99</th></tr>");
    Map<String, List<Timer>> queues = group(registry.find("messaging.queue.time").timers(),
        t -> t.getId().getTag("messaging.system") + " " + t.getId().getTag("messaging.destination.name"));
    Map<String, List<Timer>> publishes = group(
        registry.find("messaging.client.operation.duration").tag("messaging.operation.type", "send").timers(),
        t -> t.getId().getTag("messaging.system") + " " + t.getId().getTag("messaging.destination.name"));
    queues.forEach((queue, timers) -> {
      List<Timer> published = publishes.getOrDefault(queue, List.of());
      long failed = published.stream().filter(t -> "failure".equals(t.getId().getTag("outcome"))).mapToLong(Timer::count).sum();
      row(html, queue, timers, uptimeSeconds,
          published.isEmpty() ? "- (published elsewhere)" : ratio(failed, published.stream().mapToLong(Timer::count).sum()));
    });
    if (queues.isEmpty()) {
      html.append("<tr><td colspan=\"7\">no message received yet</td></tr>");
    }
    html.append("</table><h2>Span export</h2><table><tr><th>exporter</th><th>ended</th><th>exported</th>"
        + "<th>dropped (by reason)</th><th>queued</th></tr>");
    Map<String, List<Meter>> exporters =
        group(registry.find("obs4j.spans.ended").meters(), m -> String.valueOf(m.getId().getTag("exporter")));
    exporters.keySet().forEach(exporter -> {
      StringBuilder dropped = new StringBuilder();
      for (Counter counter : registry.find("obs4j.spans.dropped").tag("exporter", exporter).counters()) {
        if (counter.count() > 0) {
          dropped.append(ConsolePage.escape(String.valueOf(counter.getId().getTag("reason")))).append(' ')
              .append((long) counter.count()).append("<br>");
        }
      }
      Gauge queued = registry.find("obs4j.export.queue.size").tag("exporter", exporter).gauge();
      html.append("<tr><td>").append(ConsolePage.escape(exporter)).append("</td><td>")
          .append(count(registry, "obs4j.spans.ended", exporter)).append("</td><td>")
          .append(count(registry, "obs4j.spans.exported", exporter)).append("</td><td>")
          .append(dropped.length() == 0 ? "0" : dropped).append("</td><td>")
          .append(queued == null ? "-" : String.valueOf((long) queued.value())).append("</td></tr>");
    });
    if (exporters.isEmpty()) {
      html.append("<tr><td colspan=\"5\">no exporter (OTEL_TRACES_EXPORTER=none)</td></tr>");
    }
    return html.append("</table>").toString();
  }

  private static long count(MeterRegistry registry, String name, String exporter) {
    Counter counter = registry.find(name).tag("exporter", exporter).counter();
    return counter == null ? 0 : (long) counter.count();
  }

  private static <M extends Meter> Map<String, List<M>> group(Iterable<M> meters, Function<M, String> key) {
    Map<String, List<M>> groups = new TreeMap<>();
    for (M meter : meters) {
      groups.computeIfAbsent(key.apply(meter), k -> new ArrayList<>()).add(meter);
    }
    return groups;
  }

  private static String ratio(long errors, long of) {
    return of == 0 ? String.valueOf(errors) : String.format(Locale.ROOT, "%d (%.1f%%)", errors, 100.0 * errors / of);
  }

  /** One row: the name, the timers' count and rate, {@code errors} as given, and the percentiles. */
  private static void row(StringBuilder html, String name, List<Timer> timers, double uptimeSeconds, String errors) {
    long count = timers.stream().mapToLong(Timer::count).sum();
    html.append("<tr><td>").append(ConsolePage.escape(name)).append("</td><td>").append(count).append("</td><td>")
        .append(String.format(Locale.ROOT, "%.2f", count / Math.max(1, uptimeSeconds))).append("</td><td>")
        .append(ConsolePage.escape(errors)).append("</td>");
    for (double q : new double[] {0.5, 0.95, 0.99}) {
      html.append("<td>").append(percentile(timers, q)).append("</td>");
    }
    html.append("</tr>");
  }

  /** The upper bound of the histogram bucket holding quantile {@code q} over all {@code timers}; "-" if none. */
  static String percentile(List<Timer> timers, double q) {
    TreeMap<Double, Double> perBucket = new TreeMap<>();
    double total = 0;
    for (Timer timer : timers) {
      HistogramSnapshot snapshot = timer.takeSnapshot();
      CountAtBucket[] buckets = snapshot.histogramCounts();
      double previous = 0;
      for (CountAtBucket bucket : buckets) {
        // cumulative counts, as the Prometheus registry keeps them: the bucket's own count is the difference
        double own = Math.max(0, bucket.count() - previous);
        previous = bucket.count();
        perBucket.merge(bucket.bucket(TimeUnit.MILLISECONDS), own, Double::sum);
      }
      total += snapshot.count();
    }
    if (total == 0 || perBucket.isEmpty()) {
      return "-";
    }
    double seen = 0;
    for (Map.Entry<Double, Double> bucket : perBucket.entrySet()) {
      seen += bucket.getValue();
      if (seen >= q * total) {
        return String.format(Locale.ROOT, "&le; %s ms", trim(bucket.getKey()));
      }
    }
    return String.format(Locale.ROOT, "&gt; %s ms", trim(perBucket.lastKey()));
  }

  private static String trim(double millis) {
    return millis >= 10 ? String.format(Locale.ROOT, "%.0f", millis) : String.format(Locale.ROOT, "%.2f", millis);
  }
}
