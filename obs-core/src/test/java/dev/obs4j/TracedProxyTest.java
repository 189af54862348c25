/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.testing.SpanRecorder;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class TracedProxyTest {

  interface Orders {
    @WithSpan
    String load(@SpanAttribute("order.id") long id, @SpanAttribute String region, String secret);

    @WithSpan(value = "publish order", kind = SpanKind.PRODUCER)
    void publish(@SpanAttribute("order.express") boolean express, @SpanAttribute("order.total") double total);

    @WithSpan
    String fail() throws IOException;

    @WithSpan
    CompletionStage<String> async(CompletableFuture<String> result);

    String notTraced();

    String tracedOnImplementation(String value);

    @WithSpan(inheritContext = false)
    void detached();
  }

  static final class DefaultOrders implements Orders {
    private final Obs obs;

    DefaultOrders(Obs obs) {
      this.obs = obs;
    }

    @Override
    public String load(long id, String region, String secret) {
      return obs.inSpan("SELECT orders", SpanKind.CLIENT, () -> "order-" + id);
    }

    @Override
    public void publish(boolean express, double total) {}

    @Override
    public String fail() throws IOException {
      throw new IOException("disk gone");
    }

    @Override
    public CompletionStage<String> async(CompletableFuture<String> result) {
      return result;
    }

    @Override
    public String notTraced() {
      return "plain";
    }

    @Override
    @WithSpan("from implementation")
    public String tracedOnImplementation(@SpanAttribute("value") String value) {
      return value;
    }

    @Override
    public void detached() {}
  }

  @Test
  void defaultName_isClassAndMethod_withNamedAndUnnamedAttributes_andNestedSpans() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      Orders orders = recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs));
      assertThat(orders.load(42, "eu", "hunter2")).isEqualTo("order-42");

      SpanData load = recorder.byName().get("DefaultOrders.load");
      assertThat(load.getKind()).isEqualTo(SpanKind.INTERNAL);
      assertThat(load.getAttributes().get(AttributeKey.longKey("order.id"))).isEqualTo(42L);
      assertThat(load.getAttributes().get(AttributeKey.stringKey("region"))).isEqualTo("eu");
      assertThat(load.getAttributes().asMap().values()).doesNotContain("hunter2");
      SpanData select = recorder.byName().get("SELECT orders");
      assertThat(select.getParentSpanId()).isEqualTo(load.getSpanId());
      assertThat(select.getKind()).isEqualTo(SpanKind.CLIENT);
    }
  }

  @Test
  void explicitNameAndKind_andTypedAttributes() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs)).publish(true, 9.5);
      SpanData span = recorder.only();
      assertThat(span.getName()).isEqualTo("publish order");
      assertThat(span.getKind()).isEqualTo(SpanKind.PRODUCER);
      assertThat(span.getAttributes().get(AttributeKey.booleanKey("order.express"))).isTrue();
      assertThat(span.getAttributes().get(AttributeKey.doubleKey("order.total"))).isEqualTo(9.5);
    }
  }

  @Test
  void exception_isRecorded_andRethrownUnchanged() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      Orders orders = recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs));
      assertThatThrownBy(orders::fail).isExactlyInstanceOf(IOException.class).hasMessage("disk gone");
      SpanData span = recorder.only();
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getStatus().getDescription()).isEqualTo("disk gone");
      assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("java.io.IOException");
      EventData event = span.getEvents().get(0);
      assertThat(event.getName()).isEqualTo("exception");
      assertThat(event.getAttributes().get(AttributeKey.stringKey("exception.type")))
          .isEqualTo("java.io.IOException");
      assertThat(event.getAttributes().get(AttributeKey.stringKey("exception.stacktrace")))
          .contains("DefaultOrders.fail");
    }
  }

  @Test
  void completionStage_endsItsSpanWhenItCompletes() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      Orders orders = recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs));
      CompletableFuture<String> pending = new CompletableFuture<>();
      CompletionStage<String> returned = orders.async(pending);
      assertThat(returned).isSameAs(pending);
      assertThat(recorder.spans()).isEmpty();
      pending.complete("done");
      assertThat(recorder.only().getName()).isEqualTo("DefaultOrders.async");
      assertThat(recorder.only().getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

      recorder.exporter.reset();
      CompletableFuture<String> failing = new CompletableFuture<>();
      orders.async(failing);
      failing.completeExceptionally(new IllegalStateException("late failure"));
      SpanData span = recorder.only();
      assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
          .isEqualTo("java.lang.IllegalStateException");
    }
  }

  @Test
  void methodWithoutAnnotation_isAPlainCall_andTheImplementationsAnnotationCounts() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      Orders orders = recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs));
      assertThat(orders.notTraced()).isEqualTo("plain");
      assertThat(recorder.spans()).isEmpty();
      assertThat(orders.tracedOnImplementation("v")).isEqualTo("v");
      assertThat(recorder.only().getName()).isEqualTo("from implementation");
      assertThat(recorder.only().getAttributes().get(AttributeKey.stringKey("value"))).isEqualTo("v");
    }
  }

  @Test
  void inheritContextFalse_startsANewTrace() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      Orders orders = recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs));
      recorder.obs.runInSpan("outer", orders::detached);
      SpanData detached = recorder.byName().get("DefaultOrders.detached");
      assertThat(detached.getParentSpanContext().isValid()).isFalse();
      assertThat(detached.getTraceId()).isNotEqualTo(recorder.byName().get("outer").getTraceId());
    }
  }

  @Test
  void objectMethods_andNonInterfaces() {
    try (SpanRecorder recorder = SpanRecorder.create()) {
      Orders orders = recorder.obs.traced(Orders.class, new DefaultOrders(recorder.obs));
      assertThat(orders).isEqualTo(orders);
      assertThat(orders.hashCode()).isEqualTo(System.identityHashCode(orders));
      assertThat(recorder.spans()).isEmpty();
      assertThatThrownBy(() -> recorder.obs.traced(DefaultOrders.class, new DefaultOrders(recorder.obs)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not an interface");
    }
  }
}
