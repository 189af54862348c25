/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.console;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. The console's pages as plain HTML: the recent traces, filterable, and one
 * trace as a waterfall. No script and no external asset; every value that came from a request, a span or
 * the configuration is escaped, since span attributes are attacker-controlled.
 */
final class ConsolePage {
  private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);
  private static final String HTML = "text/html; charset=utf-8";
  private static final String SPANS = "text/tab-separated-values; charset=utf-8";
  private static final String STYLE =
      "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}"
          + "table{border-collapse:collapse;width:100%}td,th{padding:3px 8px;border-bottom:1px solid #ddd;"
          + "text-align:left;vertical-align:top}th{background:#f4f4f4}.err{color:#b00020;font-weight:600}"
          + ".bar{position:relative;height:14px;background:#f0f0f0;min-width:300px}"
          + ".bar span{position:absolute;top:0;height:14px;background:#4a7bd0}.bar span.err{background:#d04a4a}"
          + "code{font-size:12px}details summary{cursor:pointer}form{margin:1em 0}";

  private final TraceRing ring;
  private final MeterRegistry registry;
  private final String service;
  private final @Nullable String jaegerUrl;
  private final @Nullable String logsUrl;
  private final long startedNanos = System.nanoTime(); // with the Obs that serves it: rates are since then
  private final int listMax;
  private final PeerClient peers;

  /**
   * Pages over {@code ring} and {@code registry} for {@code service}; {@code jaegerUrl} (the Jaeger UI's base address) and
   * {@code logsUrl} (a log search address holding {@code {traceId}}) add links out when not null;
   * {@code peers} asks the consoles of the other services whose spans a trace's waterfall shows too; the
   * list shows at most {@code listMax} traces.
   */
  ConsolePage(
      TraceRing ring,
      MeterRegistry registry,
      String service,
      @Nullable String jaegerUrl,
      @Nullable String logsUrl,
      PeerClient peers,
      int listMax) {
    this.listMax = listMax;
    this.peers = peers;
    this.ring = ring;
    this.registry = registry;
    this.service = service;
    this.jaegerUrl = jaegerUrl;
    this.logsUrl = logsUrl;
  }

  /** An answer: its content type and body. */
  record Page(String contentType, String body) {}

  /**
   * The answer to a GET of {@code path} (the raw path: {@code /obs}, {@code /obs/trace/ID}, or that with the
   * query {@code spans} for another console) with {@code query}'s parameters; null for a 404.
   */
  @Nullable Page page(String path, Map<String, String> query) {
    if (path.equals("/obs")) {
      return new Page(HTML, list(query));
    }
    if (!path.startsWith("/obs/trace/")) {
      return null;
    }
    String traceId = path.substring("/obs/trace/".length());
    String body = query.containsKey("spans") ? spans(traceId) : trace(traceId);
    return body == null ? null : new Page(query.containsKey("spans") ? SPANS : HTML, body);
  }

  /** The query's parameters, percent-decoded; a malformed one is left out. */
  static Map<String, String> query(@Nullable String raw) {
    Map<String, String> parameters = new HashMap<>();
    if (raw == null) {
      return parameters;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      try {
        String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        parameters.putIfAbsent(name, value);
      } catch (IllegalArgumentException malformed) {
        // a bad escape: that parameter is ignored
      }
    }
    return parameters;
  }

  /** Whether {@code id} is a trace id as the pages take it: 32 lower-case hex digits. */
  static boolean isTraceId(String id) {
    return TRACE_ID.matcher(id).matches();
  }

  /**
   * The recent traces, the one that ended last first. {@code query} may hold {@code error} (any value: only
   * traces with an error), {@code route} (part of the root's route or name) and {@code trace} (a trace id,
   * or its start).
   */
  String list(Map<String, String> query) {
    boolean errorsOnly = query.containsKey("error");
    String route = query.getOrDefault("route", "").trim();
    String traceId = query.getOrDefault("trace", "").trim().toLowerCase(Locale.ROOT);
    StringBuilder html = head("obs4j console: " + service);
    html.append("<h1>Recent traces of ").append(escape(service)).append("</h1>");
    html.append("<p>From the last ").append(String.format(Locale.ROOT, "%,d", ring.capacity()))
        .append(" sampled spans this service ended, grouped by trace; times in UTC.</p>");
    html.append("<form method=\"get\" action=\"/obs\"><label><input type=\"checkbox\" name=\"error\" value=\"1\"")
        .append(errorsOnly ? " checked" : "").append("> errors only</label> <label>route <input name=\"route\" value=\"")
        .append(escape(route)).append("\"></label> <label>trace id <input name=\"trace\" size=\"34\" value=\"")
        .append(escape(traceId)).append("\"></label> <button>filter</button></form>");
    html.append("<table><tr><th>ended</th><th>trace</th><th>service</th><th>duration</th><th>status</th>"
        + "<th>user</th><th>spans</th></tr>");
    int shown = 0;
    for (Trace trace : ring.traces(Integer.MAX_VALUE)) {
      if (shown == listMax) {
        break;
      }
      if ((errorsOnly && !trace.error())
          || (!traceId.isEmpty() && !trace.traceId().startsWith(traceId))
          || (!route.isEmpty() && !contains(trace.route(), route) && !contains(trace.name(), route))) {
        continue;
      }
      shown++;
      html.append("<tr><td>").append(time(Instant.ofEpochSecond(0, trace.endNanos())))
          .append("</td><td><a href=\"/obs/trace/").append(trace.traceId()).append("\">")
          .append(escape(trace.name())).append("</a><br><code>").append(trace.traceId())
          .append("</code>").append(trace.complete() ? "" : " (its root span is not here: another service's, or evicted)")
          .append("</td><td>").append(escape(trace.service())).append("</td><td>")
          .append(millis(trace.durationNanos())).append("</td><td>").append(trace.error() ? "<span class=\"err\">ERROR</span>" : "OK")
          .append("</td><td>").append(escape(String.valueOf(trace.userId() == null ? "" : trace.userId())))
          .append("</td><td>").append(trace.size()).append("</td></tr>");
    }
    html.append("</table>");
    if (shown == 0) {
      html.append("<p>No trace matches.</p>");
    }
    html.append("<h2>Latest errors</h2><table><tr><th>time</th><th>level</th><th>service</th><th>message</th>"
        + "<th>trace</th></tr>");
    List<LatestErrors.Line> lines = LatestErrors.latest(50);
    for (LatestErrors.Line line : lines) {
      String id = line.traceId();
      html.append("<tr><td>").append(time(Instant.ofEpochMilli(line.epochMillis()))).append("</td><td")
          .append(line.level().equals("WARN") ? ">" : " class=\"err\">").append(escape(line.level()))
          .append("</td><td>").append(escape(String.valueOf(line.service() == null ? "" : line.service())))
          .append("</td><td>").append(escape(line.message())).append("<br><small>").append(escape(line.logger()))
          .append("</small></td><td>");
      if (id != null && isTraceId(id)) {
        html.append("<a href=\"/obs/trace/").append(id).append("\"><code>").append(id).append("</code></a>");
      }
      html.append("</td></tr>");
    }
    if (lines.isEmpty()) {
      html.append("<tr><td colspan=\"5\">none (kept where log4j2 or Logback is the logging backend)</td></tr>");
    }
    html.append("</table>");
    html.append(RedSummary.html(registry, (System.nanoTime() - startedNanos) / 1e9));
    return html.append("</body></html>").toString();
  }

  /**
   * The spans this console holds of {@code traceId}, one line each as {@link ViewSpan} writes them, for the
   * consoles of the other services of the trace; null when it holds none.
   */
  @Nullable String spans(String traceId) {
    Trace trace = isTraceId(traceId) ? ring.trace(traceId) : null;
    if (trace == null) {
      return null;
    }
    StringBuilder lines = new StringBuilder();
    trace.spans().forEach(span -> lines.append(span.line()).append('\n'));
    return lines.toString();
  }

  /**
   * The trace {@code traceId} as a waterfall, with the spans the peer consoles ({@code OBS4J_CONSOLE_PEERS})
   * hold of it; null when neither this console nor a peer holds any.
   */
  @Nullable String trace(String traceId) {
    if (!isTraceId(traceId)) {
      return null;
    }
    Map<String, ViewSpan> byId = new LinkedHashMap<>();
    Trace local = ring.trace(traceId);
    if (local != null) {
      local.spans().forEach(span -> byId.put(span.spanId(), span));
    }
    PeerClient.Answers answers = peers.ask(traceId);
    answers.spans().forEach(span -> byId.putIfAbsent(span.spanId(), span));
    List<String> unreachable = answers.unreachable();
    if (byId.isEmpty()) {
      return null;
    }
    List<ViewSpan> spans = new ArrayList<>(byId.values());
    spans.sort(Comparator.comparingLong(ViewSpan::startNanos));
    long start = spans.get(0).startNanos();
    long end = spans.stream().mapToLong(ViewSpan::endNanos).max().orElse(start);
    Set<String> ids = byId.keySet();
    ViewSpan root = spans.stream().filter(v -> !ids.contains(v.parentSpanId())).findFirst().orElse(spans.get(0));
    StringBuilder html = head("trace " + traceId);
    html.append("<p><a href=\"/obs\">all traces</a></p><h1>").append(escape(root.name()))
        .append("</h1><p>trace <code>").append(traceId).append("</code>, ").append(millis(end - start))
        .append(", ").append(spans.size()).append(" spans from ")
        .append(escape(String.join(", ", spans.stream().map(ViewSpan::service).distinct().toList())));
    if (jaegerUrl != null) {
      html.append(", <a href=\"").append(escape(stripSlash(jaegerUrl) + "/trace/" + traceId)).append("\">in Jaeger</a>");
    }
    if (logsUrl != null) {
      html.append(", <a href=\"").append(escape(logsUrl.replace("{traceId}", URLEncoder.encode(traceId, StandardCharsets.UTF_8))))
          .append("\">its log lines</a>");
    }
    html.append("</p>");
    if (!unreachable.isEmpty()) {
      html.append("<p class=\"err\">Not reached, so their spans are missing: ").append(escape(String.join(", ", unreachable)))
          .append("</p>");
    }
    html.append("<table><tr><th>span</th><th>service</th><th>duration</th><th>timeline</th></tr>");
    double total = Math.max(1, end - start);
    for (Placed span : ordered(spans)) {
      int level = span.depth();
      double left = (span.span().startNanos() - start) / total * 100;
      double width = Math.max(0.3, (span.span().endNanos() - span.span().startNanos()) / total * 100);
      boolean error = span.span().error();
      html.append("<tr><td style=\"padding-left:").append(8 + 16 * Math.min(level, 30)).append("px\"><details><summary")
          .append(error ? " class=\"err\"" : "").append(">").append(escape(span.span().name())).append(" <small>")
          .append(escape(span.span().kind())).append("</small></summary>")
          .append(attributes(span.span())).append("</details></td><td>").append(escape(span.span().service()))
          .append("</td><td>").append(millis(span.span().endNanos() - span.span().startNanos()))
          .append("</td><td><div class=\"bar\"><span").append(error ? " class=\"err\"" : "").append(" style=\"left:")
          .append(String.format(Locale.ROOT, "%.2f", left)).append("%;width:")
          .append(String.format(Locale.ROOT, "%.2f", Math.min(width, 100 - left))).append("%\"></span></div></td></tr>");
    }
    return html.append("</table></body></html>").toString();
  }

  /** A span and how deep it sits under the trace's roots. */
  private record Placed(ViewSpan span, int depth) {}

  /** Depth first from each root (a span whose parent is not here), children by start: the waterfall's rows. */
  private static List<Placed> ordered(List<ViewSpan> spans) {
    Map<String, List<ViewSpan>> children = new HashMap<>();
    Set<String> ids = new HashSet<>();
    spans.forEach(s -> ids.add(s.spanId()));
    List<ViewSpan> roots = new ArrayList<>();
    for (ViewSpan span : spans) { // already by start
      if (ids.contains(span.parentSpanId())) {
        children.computeIfAbsent(span.parentSpanId(), k -> new ArrayList<>()).add(span);
      } else {
        roots.add(span);
      }
    }
    List<Placed> out = new ArrayList<>(spans.size());
    Deque<Placed> stack = new ArrayDeque<>();
    for (int i = roots.size() - 1; i >= 0; i--) {
      stack.push(new Placed(roots.get(i), 0));
    }
    Set<String> seen = new HashSet<>();
    while (!stack.isEmpty()) {
      Placed next = stack.pop();
      if (!seen.add(next.span().spanId())) {
        continue; // a cycle a peer made up
      }
      out.add(next);
      List<ViewSpan> kids = children.getOrDefault(next.span().spanId(), List.of());
      for (int i = kids.size() - 1; i >= 0; i--) {
        stack.push(new Placed(kids.get(i), next.depth() + 1));
      }
    }
    for (ViewSpan span : spans) { // spans in a parent cycle (a peer's made-up ids) reach no root: still shown
      if (seen.add(span.spanId())) {
        out.add(new Placed(span, 0));
      }
    }
    return out;
  }

  private static String attributes(ViewSpan span) {
    StringBuilder html = new StringBuilder("<table>");
    html.append("<tr><td>span id</td><td><code>").append(escape(span.spanId())).append("</code></td></tr>");
    if (!span.status().isEmpty()) {
      html.append("<tr><td>status</td><td>").append(escape(span.status())).append("</td></tr>");
    }
    for (Map.Entry<String, String> attribute : span.attributes()) {
      String key = attribute.getKey();
      if (key.startsWith(ViewSpan.EVENT)) {
        html.append("<tr><td>event</td><td>").append(escape(key.substring(ViewSpan.EVENT.length())))
            .append("<br><code>").append(escape(attribute.getValue()).replace("\n", "<br>")).append("</code></td></tr>");
      } else {
        html.append("<tr><td>").append(escape(key)).append("</td><td>").append(escape(attribute.getValue()))
            .append("</td></tr>");
      }
    }
    return html.append("</table>").toString();
  }

  private static StringBuilder head(String title) {
    return new StringBuilder(8192)
        .append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append("</title><style>")
        .append(STYLE)
        .append("</style></head><body>");
  }

  private static boolean contains(@Nullable String text, String part) {
    return text != null && text.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT));
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String time(Instant instant) {
    return TIME.format(instant);
  }

  private static String millis(long nanos) {
    return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
  }

  /** {@code text} safe in HTML text and in a quoted attribute value. */
  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c < 0x20 && c != '\n' && c != '\t' ? '\uFFFD' : c);
      }
    }
    return out.toString();
  }
}
