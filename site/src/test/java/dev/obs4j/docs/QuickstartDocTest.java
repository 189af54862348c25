/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.testing.PrometheusServer;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * quickstart/*.adoc: each quickstart's {@code main} runs in a JVM of its own as a user runs it, with the page's
 * logging configuration; one request; then what the page promises is checked where it lands: the log line with
 * the request's trace id, the route's timer on the real metrics endpoint, the same timer and its exemplar in a
 * real Prometheus run with the page's {@code prometheus.yml}, and the span at a loopback stand-in for Jaeger
 * (a UDP receiver that decodes the agent protocol as Jaeger does, or an OTLP/HTTP receiver). Jaeger itself
 * does not run here.
 */
class QuickstartDocTest {
  private static final Path QUICKSTART = Path.of("src", "docs", "asciidoc", "quickstart");

  @Test
  void prometheusYml_isAValidConfig_scrapingTheMetricsServerOfTheQuickstarts() throws Exception {
    Path config = QUICKSTART.resolve("prometheus.yml");
    Process promtool =
        new ProcessBuilder(PrometheusServer.find("promtool"), "check", "config", config.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(promtool.exitValue()).as(out).isZero();
    assertThat(out).contains("SUCCESS");
    assertThat(Files.readString(config))
        .as("the port of metricsServer(\"127.0.0.1\", 9464) in the quickstarts")
        .contains("targets: ['localhost:9464']");
  }

  /** The built page shows what the tests below run: its app, the commands, prometheus.yml, both log configs. */
  @ParameterizedTest
  @CsvSource({"javalin, HelloJavalin", "servlet, HelloServlet", "jdk-httpserver, HelloJdkServer"})
  void eachQuickstartPage_showsTheAppTheTestRuns_theCommands_andTheConfigFiles(String page, String app)
      throws Exception {
    Path html = Path.of("target", "site", "quickstart", page + ".html");
    assertThat(html).as("the site is built before the tests").exists();
    Document doc = Jsoup.parse(html.toFile(), "UTF-8");
    List<String> listings = doc.select("pre").stream().map(Element::wholeText).map(String::strip).toList();
    String source = Files.readString(Path.of("src", "test", "java", "dev", "obs4j", "docs", app + ".java"));
    String tagged = source.substring(
        source.indexOf("// tag::app[]\n") + "// tag::app[]\n".length(), source.indexOf("// end::app[]"));
    assertThat(listings).contains(tagged.strip());
    assertThat(listings)
        .anySatisfy(l -> assertThat(l).startsWith("docker run").contains("-p 6831:6831/udp", "-p 16686:16686",
            "-p 4317:4317", "-p 4318:4318", "jaegertracing/jaeger:2."))
        .contains("prometheus --config.file=prometheus.yml --enable-feature=exemplar-storage")
        .contains(Files.readString(QUICKSTART.resolve("prometheus.yml")).strip())
        .anySatisfy(l -> assertThat(l).startsWith("<configuration>").contains("%X{trace_id}"))
        .anySatisfy(l -> assertThat(l).startsWith("<Configuration>").contains("%X{trace_id}"))
        .anySatisfy(l -> assertThat(l).contains(app + " trace_id="));
    assertThat(doc.select("a[href=../getting-started.html#install]")).as("the link to the install step").isNotEmpty();
    assertThat(Path.of("target", "site", "quickstart", "prometheus.yml")).as("the linked download").exists();
  }

  /**
   * getting-started's install step installs what scripts/check-consumer.sh deploys before it builds a user's
   * project against it: the same modules.
   */
  @Test
  void theInstallStep_namesTheModulesAUsersBuildResolves() throws Exception {
    Document doc = Jsoup.parse(Path.of("target", "site", "getting-started.html").toFile(), "UTF-8");
    String modules = ".,bom,obs-core,obs-http,obs-jdbc,obs-messaging,obs-grpc";
    assertThat(doc.select("#install ~ .listingblock pre, .sect1:has(#install) pre").eachText())
        .contains("mvn -B -ntp install -DskipTests -pl " + modules);
    assertThat(Files.readString(Path.of("..", "scripts", "check-consumer.sh"))).contains("-pl " + modules);
  }

  @Test
  void javalin_spanToTheJaegerAgent_timerInPrometheus_traceIdInTheLogbackLine() throws Exception {
    runQuickstart(HelloJavalin.class, "/hello/{name}", AppJvm.Logging.LOGBACK, false);
  }

  @Test
  void servlet_spanToTheJaegerAgent_timerInPrometheus_traceIdInTheLog4j2Line() throws Exception {
    runQuickstart(HelloServlet.class, "/hello/*", AppJvm.Logging.LOG4J2, false);
  }

  @Test
  void jdkServer_spanOverOtlp_timerInPrometheus_traceIdInTheLogbackLine() throws Exception {
    runQuickstart(HelloJdkServer.class, "/hello/{name}", AppJvm.Logging.LOGBACK, true);
  }

  private static void runQuickstart(Class<?> main, String route, AppJvm.Logging logging, boolean otlp)
      throws Exception {
    int appPort = PrometheusServer.freePort();
    int metricsPort = PrometheusServer.freePort();
    try (UdpAgent agent = new UdpAgent();
        OtlpSink sink = new OtlpSink()) {
      Map<String, String> env =
          otlp
              ? Map.of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + sink.port())
              : Map.of();
      List<String> jvmArgs =
          List.of("-Dotel.exporter.prometheus.port=" + metricsPort, "-Djaeger.agent.port=" + agent.port());
      String traceId;
      String log;
      try (AppJvm app = AppJvm.start(main, appPort, logging, env, jvmArgs)) {
        HttpResponse<String> hello = Docs.get("http://127.0.0.1:" + appPort + "/hello/world");
        assertThat(hello.statusCode()).as(app.output()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("Hello, world\n");
        traceId = hello.headers().firstValue("X-Trace-Id").orElseThrow();

        // The log line, with the pattern of the page's logback.xml or log4j2.xml.
        Pattern line = Pattern.compile(
            "(?m)^\\S+ INFO +\\[[^]]+\\] " + Pattern.quote(main.getName()) + " trace_id=" + traceId + " span_id=[0-9a-f]{16} - saying hello$");
        Docs.eventually(() -> {
          try {
            assertThat(app.output()).containsPattern(line);
          } catch (IOException e) {
            throw new AssertionError(e);
          }
        });

        // The route's timer on the metrics server the page points Prometheus at.
        String series = "uri=\"" + route + "\"";
        Docs.eventually(() -> {
          try {
            assertThat(Docs.get("http://127.0.0.1:" + metricsPort + "/metrics").body())
                .containsPattern("http_server_requests_seconds_count\\{[^}]*service=\"hello\",status=\"200\","
                    + Pattern.quote(series) + "} 1");
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });

        // A real Prometheus with the page's prometheus.yml (its target moved to the test's free port).
        String yml = Files.readString(QUICKSTART.resolve("prometheus.yml"));
        String moved = yml.replace("localhost:9464", "127.0.0.1:" + metricsPort);
        assertThat(moved).isNotEqualTo(yml);
        Path config = Files.createTempFile("quickstart-prometheus", ".yml");
        Files.writeString(config, moved);
        try (PrometheusServer prometheus = PrometheusServer.withConfig(config, List.of())) {
          String selector = "{job=\"hello\"," + series + "}";
          prometheus.await(
              "/api/v1/query?query=" + PrometheusServer.encode("http_server_requests_seconds_count" + selector),
              body -> body.contains("\"result\":[{") && body.contains(",\"1\"]"),
              30);
          prometheus.await(
              "/api/v1/query_exemplars?start=0&end=" + (System.currentTimeMillis() / 1000 + 60) + "&query="
                  + PrometheusServer.encode("http_server_requests_seconds_bucket" + selector),
              body -> body.contains("\"trace_id\":\"" + traceId + "\""),
              30);
        } finally {
          Files.deleteIfExists(config);
        }

        assertThat(app.stop()).as("Ctrl-C (SIGTERM) ends the app: the shutdown hook flushes and returns").isTrue();
        log = app.output();
      }

      String spanName = "GET " + route;
      if (otlp) {
        List<io.opentelemetry.proto.trace.v1.ResourceSpans> sent = new java.util.ArrayList<>();
        for (byte[] body : sink.bodies("/v1/traces")) {
          sent.addAll(ExportTraceServiceRequest.parseFrom(body).getResourceSpansList());
        }
        String trace = traceId;
        assertThat(sent).as(log).anySatisfy(resource -> {
          assertThat(resource.getResource().getAttributesList())
              .anySatisfy(a -> assertThat(a.getKey() + "=" + a.getValue().getStringValue()).isEqualTo("service.name=hello"));
          assertThat(resource.getScopeSpansList()).flatExtracting(s -> s.getSpansList()).anySatisfy(span -> {
            assertThat(span.getName()).isEqualTo(spanName);
            assertThat(HexFormat.of().formatHex(span.getTraceId().toByteArray())).isEqualTo(trace);
            assertThat(span.getAttributesList())
                .anySatisfy(a -> assertThat(a.getKey() + "=" + a.getValue().getStringValue()).isEqualTo("http.route=" + route));
          });
        });
      } else {
        List<Span> spans = agent.awaitSpans(1, 10, TimeUnit.SECONDS);
        Span served = spans.stream()
            .filter(s -> s.getOperationName().equals(spanName))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no span " + spanName + " at the agent: " + spans + "\n" + log));
        assertThat(String.format("%016x%016x", served.getTraceIdHigh(), served.getTraceIdLow())).isEqualTo(traceId);
        assertThat(served.getTags()).extracting(Tag::getKey, Tag::getVStr).contains(
            org.assertj.core.groups.Tuple.tuple("http.route", route),
            org.assertj.core.groups.Tuple.tuple("span.kind", "server"));
        assertThat(agent.batches()).extracting(Batch::getProcess).extracting(p -> p.getServiceName()).contains("hello");
      }
    }
  }

  /** A loopback OTLP/HTTP receiver that keeps every request body by path and answers 200. */
  private static final class OtlpSink implements AutoCloseable {
    private final HttpServer server;
    private final List<Map.Entry<String, byte[]>> received = new CopyOnWriteArrayList<>();

    OtlpSink() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", exchange -> {
        try (InputStream in = exchange.getRequestBody()) {
          received.add(Map.entry(exchange.getRequestURI().getPath(), in.readAllBytes()));
        }
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    List<byte[]> bodies(String path) {
      return received.stream().filter(e -> e.getKey().equals(path)).map(Map.Entry::getValue).toList();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
