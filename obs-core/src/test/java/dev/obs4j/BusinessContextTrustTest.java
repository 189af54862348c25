/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.instrument.Operation;
import dev.obs4j.trace.HeaderGetter;
import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.layout.template.json.util.JsonReader;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Who may set business fields, where they travel, and that they never outlive their request on a thread. */
class BusinessContextTrustTest {
  private static final Logger log = LoggerFactory.getLogger(BusinessContextTrustTest.class);
  private static final HeaderGetter<Map<String, String>> GETTER = HeaderGetter.of(Map::get, Map::keySet);

  private static Operation serve(Obs obs, Map<String, String> headers) {
    return obs.operations().startEntry(headers, GETTER, "GET /x", SpanKind.SERVER, Attributes.empty());
  }

  @Test
  void inboundAccepted_byDefault_userIdFromBaggageLandsOnTheSpan() {
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      Operation op = serve(recorder.obs, Map.of("baggage", "user.id=bob"));
      recorder.obs.operations().end(op, null, false, null, null, null);
      assertThat(recorder.only().getAttributes().get(AttributeKey.stringKey("enduser.id"))).isEqualTo("bob");
    }
  }

  @Test
  void inboundRefused_userIdFromACaller_isIgnored_andDoesNotTravelOn() {
    try (SpanRecorder recorder =
        new SpanRecorder(TestObs.builder("edge").set("OBS4J_CONTEXT_ACCEPT_INBOUND", "false"))) {
      Operation op = serve(recorder.obs, Map.of("baggage", "user.id=mallory,tenant=acme", "uberctx-user.id", "mallory"));
      Map<String, String> out = new HashMap<>();
      try (Scope ignored = op.makeCurrent()) {
        assertThat(ObsContext.userId()).isNull();
        recorder.obs.propagation().inject(Context.current(), out, Map::put);
      }
      recorder.obs.operations().end(op, null, false, null, null, null);
      assertThat(recorder.only().getAttributes().get(AttributeKey.stringKey("enduser.id"))).isNull();
      assertThat(out.get("baggage")).contains("tenant=acme").doesNotContain("mallory");
      assertThat(out).doesNotContainKey("uberctx-user.id");
    }
  }

  @Test
  void hostAllowlist_fieldsGoOnlyToListedHosts_otherBaggageGoesEverywhere() {
    try (SpanRecorder recorder =
        new SpanRecorder(TestObs.builder("svc").set("OBS4J_CONTEXT_PROPAGATE_HOSTS", "orders, .internal.example"))) {
      var operations = recorder.obs.operations();
      assertThat(operations.businessFieldsAllowed("orders")).isTrue();
      assertThat(operations.businessFieldsAllowed("billing.internal.example")).isTrue();
      assertThat(operations.businessFieldsAllowed("api.partner.com")).isFalse();
      assertThat(operations.businessFieldsAllowed(null)).isFalse();
      Operation op = serve(recorder.obs, Map.of("baggage", "tenant=acme"));
      Map<String, String> toPartner = new HashMap<>();
      try (Scope ignored = op.makeCurrent()) {
        ObsContext.setUserId("alice");
        recorder.obs.propagation().inject(Context.current(), toPartner, Map::put, operations.businessFieldsAllowed("api.partner.com"));
      }
      assertThat(toPartner.get("baggage")).contains("tenant=acme").doesNotContain("alice");
      assertThat(toPartner).doesNotContainKey("uberctx-user.id");
    }
  }

  @Test
  void badHostList_failsBuildNamingTheSetting() {
    assertThatThrownBy(() -> TestObs.builder("svc").set("OBS4J_CONTEXT_PROPAGATE_HOSTS", "http://x/").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("OBS4J_CONTEXT_PROPAGATE_HOSTS");
  }

  @Test
  void setOnAPoolThread_doesNotLeakTheUserIntoTheNextTaskOnThatThread() throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try (SpanRecorder recorder = new SpanRecorder(TestObs.builder("svc"))) {
      Operation op = serve(recorder.obs, Map.of());
      try (Scope ignored = op.makeCurrent()) {
        // the request's context travels to the pool; the handler sets the user there
        pool.submit(Context.current().wrap(() -> {
          ObsContext.setUserId("u-async");
          log.info("async work for the request");
        })).get(5, TimeUnit.SECONDS);
      }
      recorder.obs.operations().end(op, null, false, null, null, null);
      String[] mdcAfter = new String[1];
      pool.submit(() -> {
        mdcAfter[0] = MDC.get("user.id");
        log.info("the next, unrelated task");
      }).get(5, TimeUnit.SECONDS);

      assertThat(mdcAfter[0]).isNull();
      assertThat(line("async work for the request").get("user.id")).isEqualTo("u-async");
      assertThat(line("the next, unrelated task")).doesNotContainKey("user.id");
      assertThat(recorder.only().getAttributes().get(AttributeKey.stringKey("enduser.id"))).isEqualTo("u-async");
    } finally {
      pool.shutdownNow();
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> line(String message) throws Exception {
    List<String> lines =
        Files.readAllLines(Path.of(System.getProperty("obs4j.test.log", "target/obs4j-test.log")), StandardCharsets.UTF_8);
    for (String line : lines) {
      Map<String, Object> parsed = (Map<String, Object>) JsonReader.read(line);
      if (message.equals(parsed.get("message"))) {
        return parsed;
      }
    }
    throw new AssertionError("no log line " + message);
  }
}
