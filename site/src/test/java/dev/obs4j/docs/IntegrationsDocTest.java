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
import dev.obs4j.http.javalin.ObsJavalin;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import dev.obs4j.http.servlet.ObsServletFilter;
import dev.obs4j.jdbc.ObsJdbc;
import dev.obs4j.messaging.ObsMessaging;
import dev.obs4j.messaging.kafka.ObsKafka;
import dev.obs4j.messaging.queue.Envelope;
import dev.obs4j.messaging.queue.TracedQueue;
import io.javalin.Javalin;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.Test;

/** The integration pages' snippets, each run against a real server or client on loopback. */
class IntegrationsDocTest {
  private static final HttpClient PLAIN = HttpClient.newHttpClient();

  private static HttpResponse<String> get(String url) throws Exception {
    return PLAIN.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void javalin() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::javalin[]
      ObsHttp http = ObsHttp.create(obs);
      Javalin app = Javalin.create(cfg -> {
        cfg.registerPlugin(ObsJavalin.create(http));                // every route traced and timed
        cfg.routes.get("/metrics", ObsJavalin.metricsHandler(obs));  // Prometheus on the app's own port
        cfg.routes.get("/orders/{id}", ctx -> ctx.result("order " + ctx.pathParam("id")));
      });
      // end::javalin[]
      app.start("127.0.0.1", 0);
      try {
        HttpResponse<String> response = get("http://127.0.0.1:" + app.port() + "/orders/17");
        assertThat(response.body()).isEqualTo("order 17");
        SpanData span = Docs.span(spans, "GET /orders/{id}");
        assertThat(response.headers().firstValue("X-Trace-Id")).contains(span.getTraceId());
        assertThat(get("http://127.0.0.1:" + app.port() + "/metrics").body())
            .contains("http_server_requests_seconds_count{")
            .contains("uri=\"/orders/{id}\"");
      } finally {
        app.stop();
      }
    }
  }

  @Test
  void servlet() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      ObsHttp http = ObsHttp.create(obs);
      Server server = new Server();
      ServerConnector connector = new ServerConnector(server);
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler();
      context.addServlet(new ServletHolder(new HttpServlet() {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
          resp.getWriter().write("ok");
        }
      }), "/orders/*");
      // tag::servlet[]
      context.addFilter(new FilterHolder(ObsServletFilter.create(http)), "/*",
          EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC)); // and mark it async-supported
      // end::servlet[]
      server.setHandler(context);
      server.start();
      try {
        HttpResponse<String> response = get("http://127.0.0.1:" + connector.getLocalPort() + "/orders/17");
        assertThat(response.body()).isEqualTo("ok");
        SpanData span = Docs.span(spans, "GET /orders/*");
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(response.headers().firstValue("X-Trace-Id")).contains(span.getTraceId());
      } finally {
        server.stop();
      }
    }
  }

  @Test
  void jdkServerAndClient() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      ObsHttp http = ObsHttp.create(obs);
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      // tag::jdk-server[]
      server.createContext("/orders/", exchange -> {
        byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      }).getFilters().add(ObsHttpServerFilter.create(http));
      // end::jdk-server[]
      server.start();
      try {
        // tag::client[]
        HttpClient client = ObsHttpClient.wrap(http, HttpClient.newHttpClient());
        // end::client[]
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/orders/17";
        String body = obs.inSpan("checkout", () ->
            client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(body).isEqualTo("ok");
      } finally {
        server.stop(0);
      }
      SpanData checkout = Docs.span(spans, "checkout");
      SpanData call = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
      SpanData served = spans.getFinishedSpanItems().stream().filter(s -> s.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
      assertThat(call.getParentSpanId()).isEqualTo(checkout.getSpanId());
      assertThat(served.getParentSpanId()).as("the server span is the client span's child").isEqualTo(call.getSpanId());
      assertThat(served.getName()).isEqualTo("GET /orders/");
    }
  }

  @Test
  void jdbc() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    JdbcConnectionPool pool = JdbcConnectionPool.create("jdbc:h2:mem:docs;DB_CLOSE_DELAY=-1", "sa", "");
    try (Connection c = pool.getConnection(); Statement ddl = c.createStatement()) {
      ddl.execute("CREATE TABLE orders (id INT PRIMARY KEY, item VARCHAR(64))");
      ddl.execute("INSERT INTO orders VALUES (17, 'book')");
    }
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::jdbc[]
      DataSource dataSource = ObsJdbc.builder(obs).slowStatementThreshold(Duration.ofMillis(500)).build().wrap(pool);
      // end::jdbc[]
      String item = obs.inSpan("load order", () -> {
        try (Connection c = dataSource.getConnection();
            PreparedStatement select = c.prepareStatement("SELECT item FROM orders WHERE id = ?")) {
          select.setInt(1, 17);
          try (ResultSet row = select.executeQuery()) {
            return row.next() ? row.getString(1) : null;
          }
        }
      });
      assertThat(item).isEqualTo("book");
    } finally {
      pool.dispose();
    }
    SpanData query = Docs.span(spans, "SELECT orders");
    assertThat(query.getParentSpanId()).isEqualTo(Docs.span(spans, "load order").getSpanId());
    assertThat(query.getAttributes().asMap().toString()).contains("SELECT item FROM orders WHERE id = ?");
  }

  @Test
  void inJvmQueue() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::queue[]
      ObsMessaging messaging = ObsMessaging.create(obs);
      TracedQueue<String> queue = TracedQueue.create(messaging, "orders", new ArrayBlockingQueue<Envelope<String>>(1000));
      obs.runInSpan("POST /orders", () -> queue.publish("order 17", Duration.ofMillis(100)));
      queue.consume(Duration.ofSeconds(1), order -> System.out.println("shipping " + order));
      // end::queue[]
      assertThat(obs.meterRegistry().get("messaging.queue.time").tag("messaging.destination.name", "orders").timer().count())
          .isEqualTo(1);
    }
    SpanData publish = Docs.span(spans, "publish orders");
    assertThat(Docs.span(spans, "process orders").getParentSpanId()).isEqualTo(publish.getSpanId());
  }

  @Test
  void kafka() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    MockProducer<String, String> broker = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
    AtomicReference<String> shipped = new AtomicReference<>();
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::kafka[]
      ObsKafka kafka = ObsKafka.create(ObsMessaging.create(obs));
      Producer<String, String> producer = kafka.wrap(broker); // a KafkaProducer in a service
      // end::kafka[]
      obs.runInSpan("POST /orders", () -> producer.send(new ProducerRecord<>("orders", "17", "order 17")));
      ProducerRecord<String, String> sent = broker.history().get(0);
      ConsumerRecord<String, String> record = new ConsumerRecord<>("orders", 0, 0L, sent.key(), sent.value());
      sent.headers().forEach(h -> record.headers().add(h));
      List<ConsumerRecord<String, String>> polled = List.of(record); // consumer.poll(timeout) in a service
      // tag::kafka-process[]
      polled.forEach(r -> kafka.process(r, rec -> shipped.set(rec.value())));
      // end::kafka-process[]
    }
    assertThat(shipped.get()).isEqualTo("order 17");
    SpanData publish = Docs.span(spans, "publish orders");
    assertThat(Docs.span(spans, "process orders").getParentSpanId()).isEqualTo(publish.getSpanId());
    assertThat(publish.getParentSpanId()).isEqualTo(Docs.span(spans, "POST /orders").getSpanId());
  }
}
