/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Elasticsearch searches that the shipped dashboards' panels make, built from the panels themselves the way
 * Grafana's Elasticsearch data source and Kibana's aggregation-based visualizations build them: the panel's
 * query (Lucene as {@code query_string}, a KQL {@code field:value} as {@code match}) and the time range as
 * filters, bucket aggregations nested in the order the panel lists them, the metric in the innermost bucket.
 * An automatic date-histogram interval becomes one minute. A panel using something this class does not know
 * fails the test rather than being skipped.
 */
final class DashboardQueries {
  private static final JsonNode EMPTY = DemoProcess.JSON.createObjectNode();

  private DashboardQueries() {}

  /** One panel query: what it is called, and the search body sent to {@code /obs-demo-*\/_search}. */
  record Search(String name, ObjectNode body, List<String> levels, @org.jspecify.annotations.Nullable String metric) {}

  /** Every Elasticsearch target of a Grafana dashboard, over {@code [fromMillis, toMillis]}. */
  static List<Search> grafana(String file, JsonNode dashboard, long fromMillis, long toMillis) {
    List<Search> out = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        String type = target.at("/datasource/type").asText(panel.at("/datasource/type").asText());
        if (!type.equals("elasticsearch")) {
          continue;
        }
        String name = file + " / " + panel.path("title").asText() + " " + target.path("refId").asText();
        ObjectNode body = base(queryString(target.path("query").asText("*")), fromMillis, toMillis);
        JsonNode metric = single(target.path("metrics"), name);
        List<String> levels = new ArrayList<>();
        if (metric.path("type").asText().equals("raw_data")) {
          body.put("size", metric.at("/settings/size").asInt(500));
          body.putArray("sort").addObject().putObject("@timestamp").put("order", "desc");
          out.add(new Search(name, body, levels, null));
          continue;
        }
        body.put("size", 0);
        ObjectNode aggs = body.putObject("aggs");
        for (JsonNode bucket : target.path("bucketAggs")) {
          String id = bucket.path("id").asText();
          ObjectNode agg = aggs.putObject(id);
          JsonNode settings = bucket.path("settings");
          switch (bucket.path("type").asText()) {
            case "terms" -> {
              ObjectNode terms = agg.putObject("terms");
              terms.put("field", bucket.path("field").asText());
              terms.put("size", Integer.parseInt(settings.path("size").asText("10")));
              terms.put("min_doc_count", Integer.parseInt(settings.path("min_doc_count").asText("1")));
              String orderBy = settings.path("orderBy").asText("_term");
              String order = settings.path("order").asText("desc");
              String key = orderBy.equals("_count") ? "_count" : orderBy.equals("_term") ? "_key" : orderBy;
              terms.putObject("order").put(key, order);
              if (!key.startsWith("_")) {
                metricAgg(agg.putObject("aggs"), metric, name); // ordered by the metric: Grafana nests it here too
              }
            }
            case "date_histogram" -> {
              ObjectNode histogram = agg.putObject("date_histogram");
              histogram.put("field", bucket.path("field").asText("@timestamp"));
              String interval = settings.path("interval").asText("auto");
              histogram.put("fixed_interval", interval.equals("auto") ? "1m" : interval);
              histogram.put("min_doc_count", Integer.parseInt(settings.path("min_doc_count").asText("0")));
              histogram.put("format", "epoch_millis");
            }
            default -> throw new AssertionError(name + ": bucket aggregation " + bucket + " is not translated here");
          }
          levels.add(bucket.path("type").asText() + " " + bucket.path("field").asText());
          aggs = agg.has("aggs") ? (ObjectNode) agg.get("aggs") : agg.putObject("aggs");
        }
        if (!metric.path("type").asText().equals("count")) {
          metricAgg(aggs, metric, name);
        }
        out.add(new Search(name, body, levels, metric.path("type").asText().equals("count") ? null : metric.path("id").asText()));
      }
    }
    return out;
  }

  private static void metricAgg(ObjectNode aggs, JsonNode metric, String name) {
    switch (metric.path("type").asText()) {
      case "cardinality" -> aggs.putObject(metric.path("id").asText()).putObject("cardinality").put("field", metric.path("field").asText());
      case "count" -> { }
      default -> throw new AssertionError(name + ": metric " + metric + " is not translated here");
    }
  }

  private static JsonNode single(JsonNode metrics, String name) {
    if (metrics.size() != 1) {
      throw new AssertionError(name + ": one metric per target expected, not " + metrics);
    }
    return metrics.get(0);
  }

  /**
   * The search of a Kibana saved object (a legacy visualization or a saved search) of {@code objects}, over
   * {@code [fromMillis, toMillis]}.
   */
  static Search kibana(JsonNode object, long fromMillis, long toMillis) throws java.io.IOException {
    JsonNode attributes = object.path("attributes");
    String name = object.path("type").asText() + " " + object.path("id").asText();
    JsonNode source = DemoProcess.JSON.readTree(attributes.at("/kibanaSavedObjectMeta/searchSourceJSON").asText());
    JsonNode query = source.path("query");
    ObjectNode filter =
        switch (query.path("language").asText()) {
          case "lucene" -> queryString(query.path("query").asText());
          case "kuery" -> kuery(query.path("query").asText(), name);
          default -> throw new AssertionError(name + ": query language " + query);
        };
    if (!source.path("filter").isEmpty()) {
      throw new AssertionError(name + ": filters are not translated here: " + source.path("filter"));
    }
    ObjectNode body = base(filter, fromMillis, toMillis);
    List<String> levels = new ArrayList<>();
    if (object.path("type").asText().equals("search")) {
      body.put("size", 100);
      for (JsonNode sort : attributes.path("sort")) {
        body.withArray("sort").addObject().putObject(sort.get(0).asText()).put("order", sort.get(1).asText());
      }
      return new Search(name, body, levels, null);
    }
    JsonNode vis = DemoProcess.JSON.readTree(attributes.path("visState").asText());
    body.put("size", 0);
    ObjectNode aggs = body.putObject("aggs");
    String metric = null;
    List<JsonNode> metrics = new ArrayList<>();
    for (JsonNode agg : vis.path("aggs")) {
      if (agg.path("schema").asText().equals("metric")) {
        metrics.add(agg);
      }
    }
    for (JsonNode agg : vis.path("aggs")) {
      if (agg.path("schema").asText().equals("metric")) {
        continue;
      }
      JsonNode params = agg.path("params");
      ObjectNode node = aggs.putObject(agg.path("id").asText());
      switch (agg.path("type").asText()) {
        case "terms" -> {
          ObjectNode terms = node.putObject("terms");
          terms.put("field", params.path("field").asText());
          terms.put("size", params.path("size").asInt());
          String orderBy = params.path("orderBy").asText();
          JsonNode by = metrics.stream().filter(m -> m.path("id").asText().equals(orderBy)).findFirst().orElse(EMPTY);
          if (!by.path("type").asText().equals("count")) {
            throw new AssertionError(name + ": terms ordered by " + orderBy + " is not translated here");
          }
          terms.putObject("order").put("_count", params.path("order").asText());
        }
        case "date_histogram" -> {
          ObjectNode histogram = node.putObject("date_histogram");
          histogram.put("field", params.path("field").asText());
          String interval = params.path("interval").asText();
          histogram.put("fixed_interval", interval.equals("auto") ? "1m" : interval);
          histogram.put("min_doc_count", params.path("min_doc_count").asInt(1));
          histogram.put("format", "epoch_millis");
        }
        default -> throw new AssertionError(name + ": bucket aggregation " + agg + " is not translated here");
      }
      levels.add(agg.path("type").asText() + " " + params.path("field").asText());
      aggs = node.putObject("aggs");
    }
    for (JsonNode m : metrics) {
      if (!m.path("type").asText().equals("count")) {
        throw new AssertionError(name + ": metric " + m + " is not translated here");
      }
    }
    return new Search(name, body, levels, metric);
  }

  private static ObjectNode base(ObjectNode query, long fromMillis, long toMillis) {
    ObjectNode body = DemoProcess.JSON.createObjectNode();
    ArrayNode filters = body.putObject("query").putObject("bool").putArray("filter");
    ObjectNode range = filters.addObject().putObject("range").putObject("@timestamp");
    range.put("gte", fromMillis).put("lte", toMillis).put("format", "epoch_millis");
    filters.add(query);
    return body;
  }

  private static ObjectNode queryString(String query) {
    ObjectNode node = DemoProcess.JSON.createObjectNode();
    node.putObject("query_string").put("query", query).put("analyze_wildcard", true);
    return node;
  }

  private static final Pattern KQL_TERM = Pattern.compile("\\s*([A-Za-z0-9_.@]+)\\s*:\\s*(\"[^\"]*\"|[^\\s\"()]+)\\s*");

  /** KQL of {@code field:value} terms joined by {@code and}, as Kibana turns it into a bool of matches. */
  private static ObjectNode kuery(String kql, String name) {
    ObjectNode node = DemoProcess.JSON.createObjectNode();
    ArrayNode must = node.putObject("bool").putArray("filter");
    for (String part : kql.split("(?i)\\s+and\\s+")) {
      Matcher m = KQL_TERM.matcher(part);
      if (!m.matches()) {
        throw new AssertionError(name + ": KQL '" + kql + "' is not translated here");
      }
      String value = m.group(2).replace("\"", "");
      if (value.equals("*")) {
        must.addObject().putObject("exists").put("field", m.group(1));
      } else {
        must.addObject().putObject("match").put(m.group(1), value);
      }
    }
    return node;
  }

  /**
   * The answer of an aggregation search as rows: the keys of the buckets on the way down (a date histogram's
   * key in epoch milliseconds), then the value (the bucket's document count, or the metric's value).
   */
  static Map<List<String>, Long> rows(JsonNode answer, Search search) {
    Map<List<String>, Long> rows = new LinkedHashMap<>();
    if (search.levels().isEmpty()) {
      long value = search.metric() == null
          ? answer.at("/hits/total/value").asLong()
          : answer.path("aggregations").path(search.metric()).path("value").asLong();
      rows.put(List.of(), value);
      return rows;
    }
    collect(answer.path("aggregations"), search, new ArrayList<>(), rows);
    return rows;
  }

  private static void collect(JsonNode aggs, Search search, List<String> keys, Map<List<String>, Long> rows) {
    JsonNode bucketAgg = null;
    for (Map.Entry<String, JsonNode> e : aggs.properties()) {
      if (e.getValue().has("buckets")) {
        bucketAgg = e.getValue();
      }
    }
    if (bucketAgg == null) {
      long value = search.metric() == null ? aggs.path("doc_count").asLong() : aggs.path(search.metric()).path("value").asLong();
      rows.put(List.copyOf(keys), value);
      return;
    }
    for (JsonNode bucket : bucketAgg.path("buckets")) {
      keys.add(bucket.path("key").asText());
      collect(bucket, search, keys, rows);
      keys.remove(keys.size() - 1);
    }
  }
}
