/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.client.ObsHttpClient;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import dev.obs4j.jdbc.ObsJdbc;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.queue.Envelope;
import dev.obs4j.messaging.queue.TracedQueue;
import dev.obs4j.metrics.PrometheusScrape;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;

/** metrics.adoc: exemplars, the cardinality guard, and every meter the page lists, found in a real scrape. */
class MetricsDocTest {
  /** The page whose meter table this test checks against a scrape (the tests run in site/). */
  private static final Path PAGE = Paths.get("src", "docs", "asciidoc", "metrics.adoc");

  /** Listed on the page, but only there once the collector ran a concurrent phase. */
  private static final Set<String> MAY_BE_ABSENT =
      Set.of("jvm_gc_concurrent_phase_time_seconds", "messaging_queue_time_negative_total"); // the second: clock skew only

  @Test
  void aTimerRecordedInASampledSpanCarriesItsTraceIdAsExemplar() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::own-meter[]
      Timer checkout = Timer.builder("checkout.duration")
          .publishPercentileHistogram()           // buckets: percentiles, exemplars
          .register(obs.meterRegistry());
      obs.runInSpan("checkout", () -> checkout.record(Duration.ofMillis(120)));
      // end::own-meter[]
      String accept = "application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5";
      // tag::scrape[]
      PrometheusScrape scrape = PrometheusScrape.of(obs.meterRegistry(), accept);
      String contentType = scrape.contentType();   // the response's Content-Type
      String body = scrape.body();                 // and its body
      // end::scrape[]
      SpanData span = Docs.span(spans, "checkout");
      assertThat(contentType).startsWith("application/openmetrics-text");
      assertThat(body)
          .containsPattern("checkout_duration_seconds_bucket\\{service=\"orders\",le=\"[0-9.]+\"} 1 # \\{span_id=\""
              + span.getSpanId() + "\",trace_id=\"" + span.getTraceId() + "\"} 0\\.12")
          .as("no exemplar on _count by default (OBS4J_METRICS_EXEMPLARS_ON_ALL_TYPES=false)")
          .containsPattern("checkout_duration_seconds_count\\{service=\"orders\"} 1\n");
      assertThat(PrometheusScrape.of(obs.meterRegistry(), null).body())
          .as("the classic text format, without exemplars")
          .contains("checkout_duration_seconds_count{service=\"orders\"} 1")
          .doesNotContain("trace_id");
    }
  }

  @Test
  void theCardinalityGuardCollapsesTagValuesPastTheLimit() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).set("OBS4J_METRICS_MAX_TAG_VALUES", "2").build()) {
      for (String customer : new String[] {"acme", "globex", "initech", "umbrella"}) {
        Counter.builder("orders.placed").tag("customer", customer).register(obs.meterRegistry()).increment();
      }
      assertThat(Docs.scrape(obs))
          .contains("orders_placed_total{customer=\"acme\",service=\"orders\"} 1.0")
          .contains("orders_placed_total{customer=\"globex\",service=\"orders\"} 1.0")
          .contains("orders_placed_total{customer=\"OTHER\",service=\"orders\"} 2.0")
          .contains("obs4j_metrics_tag_values_collapsed_total{service=\"orders\"} 2.0");
    }
  }

  /**
   * Every integration and exporter at work in one service, then one scrape: each meter the page's
   * [[all-meters]] table names is in it, and each meter family in it is in the table.
   */
  @Test
  void everyMeterOnThePageIsInAScrape_andEveryMeterInTheScrapeIsOnThePage() throws Exception {
    Set<String> documented = documentedMeters();
    String scrape;
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:metricsdoc;DB_CLOSE_DELAY=-1", "sa", "");
    try (DatagramSocket agent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Obs obs = Docs.recording(Obs.builder().serviceName("orders"), InMemorySpanExporter.create())
            .jaegerAgent("127.0.0.1", agent.getLocalPort())
            .set("OTEL_BSP_SCHEDULE_DELAY", "10")
            .set("OBS4J_CONSOLE", "true") // the console's own meters are in the table too
            .build()) {
      ObsHttp http = ObsHttp.create(obs);
      server.createContext("/orders/", exchange -> {
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(http));
      server.start();
      HttpClient client = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
      client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/orders/1"))
          .build(), HttpResponse.BodyHandlers.discarding());

      DataSource dataSource = ObsJdbc.builder(obs).slowStatementThreshold(Duration.ZERO).build().wrap(pool);
      try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE orders (id INT PRIMARY KEY)");
      }

      TracedQueue<String> queue =
          TracedQueue.create(ObsMessaging.create(obs), "orders", new ArrayBlockingQueue<Envelope<String>>(10));
      queue.publish("order 1", Duration.ofMillis(10));
      queue.consume(Duration.ofSeconds(1), order -> { });
      queue.process(new Envelope<>("order 2", Map.of()), order -> { }); // no trace headers: untraced

      for (int i = 0; i <= 100; i++) { // one value more than OBS4J_METRICS_MAX_TAG_VALUES
        Counter.builder("docs.values").tag("value", "v" + i).register(obs.meterRegistry());
      }
      obs.runInSpan("too big for a datagram", () ->
          io.opentelemetry.api.trace.Span.current().setAttribute("blob", "x".repeat(70_000)));

      GrpcDocTest.callOrders(obs); // the gRPC interceptors, both sides

      obs.meterRegistry().scrape(); // the first scrape binds the JVM meters
      long deadline = System.nanoTime() + 10_000_000_000L;
      do {
        System.gc(); // so that jvm_gc_pause_seconds has a pause to show
        Thread.sleep(100);
        scrape = obs.meterRegistry().scrape();
      } while ((!scrape.contains("jvm_gc_pause_seconds_count") || !scrape.contains("obs4j_jaeger_spans_truncated_total{service=\"orders\"} 1.0"))
          && System.nanoTime() < deadline);
    } finally {
      server.stop(0);
      pool.dispose();
    }
    Set<String> samples = new TreeSet<>();
    Set<String> families = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        families.add(line.split(" ")[2]);
      } else if (!line.startsWith("#") && !line.isBlank()) {
        samples.add(line.replaceAll("[{ ].*", ""));
      }
    }
    assertThat(documented).hasSizeGreaterThan(30);
    for (String meter : documented) {
      if (MAY_BE_ABSENT.contains(meter)) {
        continue;
      }
      assertThat(samples)
          .as("%s, listed on metrics.adoc, in the scrape", meter)
          .anyMatch(s -> s.equals(meter) || s.matches(Pattern.quote(meter) + "_(count|sum|bucket|max)"));
    }
    for (String family : families) {
      if (family.startsWith("docs_")) {
        continue; // the test's own meter
      }
      String base = family.replaceAll("_(max|total)$", "");
      assertThat(documented)
          .as("%s, in the scrape, listed on metrics.adoc", family)
          .anyMatch(d -> d.equals(family) || d.equals(base) || d.equals(family + "_total"));
    }
  }

  /** The meter names that start each row of the table under [[all-meters]]: one per line, each ending in " +". */
  private static Set<String> documentedMeters() throws IOException {
    String page = Files.readString(PAGE);
    int start = page.indexOf("[[all-meters]]");
    assertThat(start).as("metrics.adoc has an [[all-meters]] section").isPositive();
    int table = page.indexOf("|===", start);
    String rows = page.substring(table + 4, page.indexOf("|===", table + 4));
    Set<String> names = new TreeSet<>();
    Matcher cell = Pattern.compile("(?m)^\\| ((?:`[a-z][a-z0-9_]*` \\+\n)+)").matcher(rows);
    while (cell.find()) {
      Matcher name = Pattern.compile("`([a-z][a-z0-9_]*)`").matcher(cell.group(1));
      while (name.find()) {
        names.add(name.group(1));
      }
    }
    return names;
  }
}
