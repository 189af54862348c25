/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.logs;

import dev.obs4j.internal.OperationState;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.logging.log4j.core.util.ContextDataProvider;

/**
 * Internal, not for public use. log4j2 asks this provider, found through {@code META-INF/services}, for
 * context data at the moment an event is logged: the current span's {@code trace_id}, {@code span_id} and
 * {@code trace_flags}, and {@code service.name} (of the current operation's {@code Obs}). It costs nothing on lines logged outside a span and does
 * not depend on the MDC wrapper being installed in time. Written here rather than taking OpenTelemetry's
 * alpha {@code opentelemetry-log4j-context-data} artifact, which brings its own autoconfigured SDK hooks.
 */
public final class Log4j2ContextDataProvider implements ContextDataProvider {
  @Override
  public Map<String, String> supplyContextData() {
    String service = LogCorrelation.serviceName();
    Context current = Context.current();
    SpanContext context = Span.fromContext(current).getSpanContext();
    OperationState operation = OperationState.fromContext(current);
    boolean fields = operation != null && !operation.fields().isEmpty();
    if (!context.isValid() && !fields) {
      return service.isEmpty() ? Collections.emptyMap() : Collections.singletonMap("service.name", service);
    }
    Map<String, String> data = new HashMap<>(8);
    if (context.isValid()) {
      data.put(MdcContextStorage.TRACE_ID, context.getTraceId());
      data.put(MdcContextStorage.SPAN_ID, context.getSpanId());
      data.put(MdcContextStorage.TRACE_FLAGS, context.getTraceFlags().asHex());
    }
    if (fields) {
      // business fields (user.id ...) on every thread that runs in the operation's context, MDC or not
      data.putAll(operation.fields());
    }
    if (!service.isEmpty()) {
      data.put("service.name", service);
    }
    return data;
  }
}
