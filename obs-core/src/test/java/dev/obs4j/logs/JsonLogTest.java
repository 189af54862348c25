/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.logs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationFactory;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.apache.logging.log4j.layout.template.json.util.JsonReader;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import dev.obs4j.internal.logs.MdcContextStorage;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;

/** Log lines rendered by the shipped ECS template carry the span's trace.id and span.id. */
class JsonLogTest {
  private static final Logger log = LoggerFactory.getLogger(JsonLogTest.class);

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> lines() throws Exception {
    Path file = Path.of(System.getProperty("obs4j.test.log", "target/obs4j-test.log"));
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
        .map(line -> (Map<String, Object>) JsonReader.read(line))
        .toList();
  }

  private static Map<String, Object> line(String message) throws Exception {
    return lines().stream()
        .filter(l -> message.equals(l.get("message")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line with message " + message));
  }

  @Test
  void hostileBusinessField_staysInsideItsJsonField_andLeavesOnlyEncoded() throws Exception {
    String hostile = "mallory\r\n{\"log.level\":\"ERROR\",\"message\":\"forged\"}\u0000\u001b[31m";
    Map<String, String> outgoing = new java.util.HashMap<>();
    try (Obs obs = TestObs.builder("payments").build()) {
      // a request's entry operation, as every server adapter starts it: business fields live there
      var request = obs.operations().startEntry(Map.<String, String>of(),
          dev.obs4j.trace.HeaderGetter.<Map<String, String>>of(Map::get, Map::keySet), "POST /charge",
          io.opentelemetry.api.trace.SpanKind.SERVER, io.opentelemetry.api.common.Attributes.empty());
      try (Scope ignored = request.makeCurrent()) {
        dev.obs4j.ObsContext.setUserId(hostile);
        log.info("hostile user id");
        obs.propagation().inject(Context.current(), outgoing, Map::put, true);
      }
      obs.operations().end(request, null, false, null, null, null);
    }
    // One event, one line (lines() parses every line of the file as JSON): the value round-trips whole.
    Map<String, Object> line = line("hostile user id");
    assertThat(line.get("user.id")).isEqualTo(hostile);
    assertThat(lines()).noneMatch(l -> "forged".equals(l.get("message")));
    // Sent on to the next service as baggage, percent-encoded: no header value carries the characters.
    assertThat(outgoing.get("baggage")).contains("user.id=mallory%0D%0A");
    outgoing.forEach((name, value) -> assertThat(dev.obs4j.testing.Hostile.hasControl(value)).as(name).isFalse());
  }

  @Test
  void lineInsideASpan_isOneJsonLineWithEcsFieldsAndTheSpansIds() throws Exception {
    try (Obs obs = TestObs.builder("payments").build()) {
      SpanContext[] inside = new SpanContext[1];
      obs.runInSpan(
          "charge",
          () -> {
            inside[0] = Span.current().getSpanContext();
            MDC.put("order.id", "o-17");
            try {
              log.info("charging card");
              log.warn("first line\nsecond line \"quoted\"");
              log.error("charge failed", new IllegalStateException("card declined"));
            } finally {
              MDC.remove("order.id");
            }
          });
      log.info("outside any span");

      Map<String, Object> info = line("charging card");
      assertThat(info.get("trace.id")).isEqualTo(inside[0].getTraceId());
      assertThat(info.get("span.id")).isEqualTo(inside[0].getSpanId());
      assertThat(info.get("log.level")).isEqualTo("INFO");
      assertThat(info.get("log.logger")).isEqualTo(JsonLogTest.class.getName());
      assertThat(info.get("service.name")).isEqualTo("payments");
      assertThat(info.get("labels.order.id")).isEqualTo("o-17");
      assertThat((String) info.get("@timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
      assertThat(info).doesNotContainKeys("labels.trace_id", "labels.span_id", "labels.service.name");

      Map<String, Object> multi = line("first line\nsecond line \"quoted\"");
      assertThat(multi.get("trace.id")).isEqualTo(inside[0].getTraceId());
      assertThat(multi.get("log.level")).isEqualTo("WARN");

      Map<String, Object> error = line("charge failed");
      assertThat(error.get("error.type")).isEqualTo("java.lang.IllegalStateException");
      assertThat(error.get("error.message")).isEqualTo("card declined");
      assertThat((String) error.get("error.stack_trace")).contains("JsonLogTest");
      assertThat(error.get("trace.id")).isEqualTo(inside[0].getTraceId());

      Map<String, Object> outside = line("outside any span");
      assertThat(outside).doesNotContainKeys("trace.id", "span.id");

      // Every physical line parsed as JSON above: the newline did not split the event.
      long physical = Files.readAllLines(Path.of("target/obs4j-test.log")).stream()
          .filter(l -> l.contains("first line")).count();
      assertThat(physical).isEqualTo(1);
    }
  }

  @Test
  void twoHandlesInOneJvm_eachLineCarriesTheServiceWhoseSpanOrScopeIsCurrent() throws Exception {
    try (Obs gateway = TestObs.builder("gateway").build();
        Obs orders = TestObs.builder("orders").build()) {
      gateway.runInSpan("gateway work", () -> {
        log.info("in the gateway's span");
        orders.runInSpan("orders work", () -> log.info("in the orders span, nested"));
        log.info("back in the gateway's span");
      });
      try (Scope ignored = gateway.serviceScope()) {
        log.info("gateway start-up, no span");
        orders.operations().start(Context.current(), "orders op", io.opentelemetry.api.trace.SpanKind.SERVER,
                io.opentelemetry.api.common.Attributes.empty())
            .makeCurrent().close();
        log.info("gateway again, after the orders operation");
      }
      // An operation carries its service in its state, not as a context label: lines inside it, spans of
      // another handle nested in it, and another handle's operation nested in it each get their own.
      var server = io.opentelemetry.api.trace.SpanKind.SERVER;
      var none = io.opentelemetry.api.common.Attributes.empty();
      dev.obs4j.instrument.Operation ordersRequest = orders.operations().start(Context.root(), "orders request", server, none);
      try (Scope ignored = ordersRequest.makeCurrent()) {
        log.info("in an orders operation started from a root context");
        gateway.runInSpan("gateway call", () -> log.info("in a gateway span inside the orders operation"));
        try (Scope inner = gateway.operations().start(Context.current(), "gateway request", server, none).makeCurrent()) {
          log.info("in a gateway operation inside the orders operation");
        }
        log.info("in the orders operation again");
      }
      MdcContextStorage storage = new MdcContextStorage(ContextStorage.defaultStorage());
      try (Scope ignored = storage.attach(Context.root().with(dev.obs4j.internal.logs.LogCorrelation.SERVICE, "orders"))) {
        assertThat(MDC.get("service.name")).as("the MDC path for other SLF4J backends").isEqualTo("orders");
      }
      try (Scope ignored = storage.attach(ordersRequest.context())) {
        assertThat(MDC.get("service.name")).as("the MDC path, from an operation's state").isEqualTo("orders");
      }
      assertThat(MDC.get("service.name")).isNull();

      assertThat(line("in the gateway's span").get("service.name")).isEqualTo("gateway");
      assertThat(line("in the orders span, nested").get("service.name")).isEqualTo("orders");
      assertThat(line("back in the gateway's span").get("service.name")).isEqualTo("gateway");
      assertThat(line("gateway start-up, no span").get("service.name")).isEqualTo("gateway");
      assertThat(line("gateway start-up, no span")).doesNotContainKey("trace.id");
      assertThat(line("gateway again, after the orders operation").get("service.name")).isEqualTo("gateway");
      assertThat(line("in an orders operation started from a root context").get("service.name")).isEqualTo("orders");
      assertThat(line("in a gateway span inside the orders operation").get("service.name")).isEqualTo("gateway");
      assertThat(line("in a gateway operation inside the orders operation").get("service.name")).isEqualTo("gateway");
      assertThat(line("in the orders operation again").get("service.name")).isEqualTo("orders");
    }
  }

  @Test
  void mdcStorage_followsTheCurrentSpan_andRestoresWhenItsScopeCloses() {
    // The mechanism used for SLF4J backends other than log4j-core (which gets the ids from obs4j's
    // context-data provider instead), exercised on its own storage so it does not depend on test order.
    ContextStorage storage = new MdcContextStorage(ContextStorage.defaultStorage());
    try (Obs obs = TestObs.builder("payments").build()) {
      Span outer = obs.tracer().spanBuilder("outer").startSpan();
      Span inner = obs.tracer().spanBuilder("inner").startSpan();
      assertThat(MDC.get("trace_id")).isNull();
      try (Scope a = storage.attach(Context.root().with(outer))) {
        assertThat(MDC.get("span_id")).isEqualTo(outer.getSpanContext().getSpanId());
        assertThat(MDC.get("trace_id")).isEqualTo(outer.getSpanContext().getTraceId());
        assertThat(MDC.get("trace_flags")).isEqualTo(outer.getSpanContext().getTraceFlags().asHex());
        try (Scope b = storage.attach(Context.root().with(inner))) {
          assertThat(MDC.get("span_id")).isEqualTo(inner.getSpanContext().getSpanId());
        }
        assertThat(MDC.get("span_id")).isEqualTo(outer.getSpanContext().getSpanId());
        try (Scope c = storage.attach(Context.root())) {
          assertThat(MDC.get("trace_id")).isNull();
        }
        assertThat(MDC.get("span_id")).isEqualTo(outer.getSpanContext().getSpanId());
      }
      assertThat(MDC.get("trace_id")).isNull();
      assertThat(MDC.get("span_id")).isNull();
    }
  }

  @Test
  void shippedExampleConfiguration_usesTheJsonTemplate() throws Exception {
    // Parsed into a context of its own, so the tests' logging configuration stays in place.
    LoggerContext context = new LoggerContext("example");
    Configuration configuration =
        ConfigurationFactory.getInstance()
            .getConfiguration(
                context, "example", JsonLogTest.class.getResource("/dev/obs4j/logs/log4j2-example.xml").toURI());
    configuration.initialize();
    Appender appender = configuration.getAppenders().get("json");
    assertThat(appender).isNotNull();
    assertThat(appender.getLayout()).isInstanceOf(JsonTemplateLayout.class);
    configuration.stop();
  }
}
