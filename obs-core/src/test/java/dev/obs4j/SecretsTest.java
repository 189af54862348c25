/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.internal.MaskedThrowable;
import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import dev.obs4j.trace.SpanErrors;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Secrets.mask over the forms a URL or setting carries a secret in, each written out as it must come out. */
class SecretsTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      jdbc:postgresql://db:5432/shop?user=app&password=PLANTED                   | jdbc:postgresql://db:5432/shop?user=app&password=****
      jdbc:mysql://sandy:PLANTED@db1:3306/shop                                  | jdbc:mysql://sandy:****@db1:3306/shop
      jdbc:mysql://address=(host=db1)(port=3306)(password=PLANTED)/shop          | jdbc:mysql://address=(host=db1)(port=3306)(password=****)/shop
      jdbc:sqlserver://db\\sql1:1433;databaseName=shop;user=sa;password=PLANTED;  | jdbc:sqlserver://db\\sql1:1433;databaseName=shop;user=sa;password=****;
      jdbc:db2://db:50000/shop:user=app;password=PLANTED;                        | jdbc:db2://db:50000/shop:user=app;password=****;
      jdbc:oracle:thin:scott/PLANTED@db:1521:orcl                                | jdbc:oracle:thin:scott/****@db:1521:orcl
      jdbc:h2:tcp://db/shop;USER=sa;PASSWORD=PLANTED                             | jdbc:h2:tcp://db/shop;USER=sa;PASSWORD=****
      amqp://guest:PLANTED@rabbit:5672/                                          | amqp://guest:****@rabbit:5672/
      https://collector:4318/v1/traces?api_key=PLANTED&region=eu                 | https://collector:4318/v1/traces?api_key=****&region=eu
      Authorization=Bearer PLANTED,x-api-key=PLANTED                             | Authorization=****,x-api-key=****
      https://api.telegram.org/bot123456789:AAPLANTEDPLANTEDPLANTEDxyz/sendMessage | https://api.telegram.org/bot****/sendMessage
      https://hooks.slack.com/services/T000/B000/PLANTEDxxxx                    | https://hooks.slack.com/****
      java.net.UnknownHostException: postgres:PLANTED@127.0.0.1                  | java.net.UnknownHostException: postgres:****@127.0.0.1
      jdbc:postgresql://db:5432/shop?user=app                                    | jdbc:postgresql://db:5432/shop?user=app
      started at 12:30 by ops@example.com                                        | started at 12:30 by ops@example.com
      http://127.0.0.1:5779                                                      | http://127.0.0.1:5779
      """)
  void masksTheSecretAndKeepsTheRest(String in, String out) {
    assertThat(Secrets.mask(in)).isEqualTo(out);
  }

  @Test
  void aSecretAnExceptionQuotes_isMaskedInTheSpansStatusAndExceptionEvent_atEveryDepth() {
    IOException driver = new IOException("No suitable driver found for jdbc:postgresql://u:PLANTED@db/shop");
    RuntimeException wrapped = new RuntimeException("could not load orders", driver);
    try (SpanRecorder recorder = SpanRecorder.create()) {
      recorder.obs.runInSpan("load", () -> SpanErrors.record(Span.current(), driver));
      recorder.obs.runInSpan("wrapped", () -> SpanErrors.record(Span.current(), wrapped));
      for (SpanData span : recorder.spans()) {
        assertThat(span.getEvents()).as(span.getName()).hasSize(1);
        Attributes event = span.getEvents().get(0).getAttributes();
        assertThat(span.getStatus().getDescription() + event).as(span.getName())
            .doesNotContain("PLANTED")
            .contains("java.io.IOException: No suitable driver found for jdbc:postgresql://u:****@db/shop");
        assertThat(event.get(AttributeKey.stringKey("exception.type"))).isEqualTo(
            span.getName().equals("load") ? "java.io.IOException" : "java.lang.RuntimeException");
        assertThat(event.get(AttributeKey.stringKey("exception.stacktrace"))).contains("at dev.obs4j.SecretsTest");
      }
    }
  }

  @Test
  void theStandInForLogsKeepsTheStackAndCausesWithEveryMessageMasked() {
    IOException driver = new IOException("No suitable driver found for jdbc:mysql://u:PLANTED@db/shop");
    RuntimeException wrapped = new RuntimeException("could not load orders", driver);
    Throwable standIn = MaskedThrowable.of(wrapped);
    assertThat(standIn).isNotSameAs(wrapped);
    assertThat(MaskedThrowable.maskedStackTrace(standIn)).doesNotContain("PLANTED")
        .contains("java.lang.RuntimeException: could not load orders")
        .contains("java.io.IOException: No suitable driver found for jdbc:mysql://u:****@db/shop")
        .contains("at dev.obs4j.SecretsTest");
    Throwable plain = new IllegalStateException("nothing secret here");
    assertThat(MaskedThrowable.of(plain)).isSameAs(plain);
  }

  /** What obs4j's processors show as their exporter's toString(): OpenTelemetry's, which must hide header values. */
  @Test
  void theOtlpExportersToStringHidesItsHeaders() {
    try (var http = io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter.builder()
            .addHeader("x-api-key", "PLANTED").build();
        var grpc = io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter.builder()
            .addHeader("x-api-key", "PLANTED").build()) {
      assertThat(http.toString()).contains("x-api-key").doesNotContain("PLANTED");
      assertThat(grpc.toString()).contains("x-api-key").doesNotContain("PLANTED");
    }
  }

  @Test
  void aBearerTokenAfterItsSchemeIsMaskedToo() {
    assertThat(Secrets.mask("Authorization=Bearer%20PLANTED")).doesNotContain("PLANTED");
  }

  @Test
  void aBadValueOfASettingThatHoldsASecretIsNeverEchoed_andAUrlIsEchoedMasked() {
    assertThatThrownBy(() -> TestObs.builder("orders")
            .set("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://user:PLANTED@collector:4318").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("ftp://user:****@collector:4318")
        .hasMessageNotContaining("PLANTED");
    assertThatThrownBy(() -> TestObs.builder("orders")
            .set("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key PLANTED").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_HEADERS")
        .hasMessageNotContaining("PLANTED");
    assertThatThrownBy(() -> TestObs.builder("orders")
            .set("OBS4J_CONSOLE_PEERS", "ftp://ops:PLANTED@peer:8080").build())
        .isInstanceOf(ObsConfigException.class)
        .hasMessageContaining("ops:****@peer")
        .hasMessageNotContaining("PLANTED");
  }
}
