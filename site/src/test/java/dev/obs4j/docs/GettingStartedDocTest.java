/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.Obs;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GettingStartedDocTest {
  /** The interface a service's code is called through. */
  public interface OrderService {
    @WithSpan("ship order")
    String ship(String id);
  }

  static final class DefaultOrderService implements OrderService {
    @Override
    public String ship(String id) {
      return "shipped " + id;
    }
  }

  @Test
  void theThreeLinesMakeSpansAndHeaders() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    Map<String, String> headers = new HashMap<>();
    String shipped;
    try (Obs obs = Docs.builder("orders", spans).build()) {
      // tag::three-lines[]
      String order = obs.inSpan("load order", () -> "order 17");          // a span, current while it runs
      OrderService service = obs.traced(OrderService.class, new DefaultOrderService()); // @WithSpan honoured
      obs.runInSpan("call billing", () -> obs.propagation().inject(headers)); // W3C and Jaeger headers
      // end::three-lines[]
      assertThat(order).isEqualTo("order 17");
      shipped = service.ship("17");
    }
    assertThat(shipped).isEqualTo("shipped 17");
    SpanData call = Docs.span(spans, "call billing");
    assertThat(Docs.span(spans, "load order").getTraceId()).isNotEqualTo(call.getTraceId());
    assertThat(Docs.span(spans, "ship order").getKind()).isNotNull();
    assertThat(headers.get("traceparent")).contains(call.getTraceId()).contains(call.getSpanId());
    assertThat(headers).containsKey("uber-trace-id");
  }
}
