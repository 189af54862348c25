/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.obs4j.Obs;
import dev.obs4j.ObsContext;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.http.jdk.ObsHttpServerFilter;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * logs.adoc: what log4j2 hands the ECS template for each line (its context data: {@code trace_id},
 * {@code span_id}, {@code service.name}, {@code user.id}, ...), and the levels obs4j logs at. SLF4J logs
 * through log4j2 here, as in the example configuration.
 */
class LogsDocTest {
  @Test
  void linesInsideASpanCarryItsIds_andTheServiceOfTheirObs() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (Obs obs = Docs.builder("worker", spans).build();
        LogCapture captured = LogCapture.of("dev.obs4j.docs", Level.INFO)) {
      // tag::log-in-span[]
      Logger log = LoggerFactory.getLogger(LogsDocTest.class);
      obs.runInSpan("ship order", () -> log.info("shipping order {}", 17));   // with its ids
      // end::log-in-span[]
      // tag::service-scope[]
      try (Scope ignored = obs.serviceScope()) {
        log.info("worker started");        // no span; service.name says which Obs
      }
      // end::service-scope[]
      SpanData ship = Docs.span(spans, "ship order");
      assertThat(captured.lines()).hasSize(2);
      LogCapture.Line inSpan = captured.lines().get(0);
      assertThat(inSpan.message()).isEqualTo("shipping order 17");
      assertThat(inSpan.context())
          .containsEntry("trace_id", ship.getTraceId())
          .containsEntry("span_id", ship.getSpanId())
          .containsEntry("trace_flags", ship.getSpanContext().getTraceFlags().asHex())
          .containsEntry("service.name", "worker");
      LogCapture.Line outside = captured.lines().get(1);
      assertThat(outside.context()).containsEntry("service.name", "worker").doesNotContainKey("trace_id");
    }
  }

  @Test
  void aRequestsLinesCarryItsUser_a5xxIsOneErrorLine_a4xxIsDebug() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Logger log = LoggerFactory.getLogger(LogsDocTest.class);
    try (Obs obs = Docs.builder("orders", spans).build();
        LogCapture ours = LogCapture.of("dev.obs4j.docs", Level.INFO);
        LogCapture obs4j = LogCapture.of("dev.obs4j.http.server", Level.DEBUG)) {
      ObsHttpServerFilter traced = ObsHttpServerFilter.create(ObsHttp.create(obs));
      server.createContext("/orders/", exchange -> {
        ObsContext.setUserId("alice");
        log.info("order placed");
        exchange.sendResponseHeaders(exchange.getRequestURI().getPath().endsWith("/gone") ? 404 : 201, -1);
        exchange.close();
      }).getFilters().add(traced);
      server.createContext("/payments/", exchange -> {
        throw new IllegalStateException("card service down");
      }).getFilters().add(traced);
      server.start();
      String base = "http://127.0.0.1:" + server.getAddress().getPort();

      assertThat(Docs.get(base + "/orders/17").statusCode()).isEqualTo(201);
      SpanData order = Docs.await(spans, "GET /orders/");
      assertThat(ours.lines()).singleElement().satisfies(line -> assertThat(line.context())
          .containsEntry("trace_id", order.getTraceId())
          .containsEntry("user.id", "alice")
          .containsEntry("service.name", "orders"));

      assertThat(Docs.get(base + "/payments/9").statusCode()).isEqualTo(500);
      SpanData payment = Docs.await(spans, "GET /payments/");
      assertThat(Docs.get(base + "/orders/gone").statusCode()).isEqualTo(404);
      Docs.eventually(() -> assertThat(obs4j.lines()).hasSize(2));
      LogCapture.Line failure = obs4j.lines().get(0);
      assertThat(failure.level()).isEqualTo(Level.ERROR);
      assertThat(failure.message())
          .isEqualTo("GET /payments/ failed with 500 (java.lang.IllegalStateException: card service down) trace_id="
              + payment.getTraceId());
      assertThat(failure.error()).hasMessage("card service down");
      assertThat(failure.context())
          .containsEntry("trace_id", payment.getTraceId())
          .containsEntry("http.route", "/payments/")
          .containsEntry("http.request.method", "GET");
      LogCapture.Line notFound = obs4j.lines().get(1);
      assertThat(notFound.level()).as("a 4xx is the client's problem").isEqualTo(Level.DEBUG);
      assertThat(notFound.message()).startsWith("GET /orders/ answered 404 trace_id=");
    } finally {
      server.stop(0);
    }
  }
}
