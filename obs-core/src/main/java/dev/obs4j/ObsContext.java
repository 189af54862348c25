/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import dev.obs4j.internal.OperationState;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * What handler code tells obs4j about the request (or message) it is handling. Call it on the thread that
 * runs the handler, once the value is known:
 *
 * <pre>{@code
 * app.get("/orders/{id}", ctx -> {
 *   ObsContext.setUserId(session.userId());   // span enduser.id, log user.id, and downstream services
 *   ...
 * });
 * }</pre>
 *
 * <p>A business field lands on the operation's span, in the log context (SLF4J MDC) for the rest of the
 * request, and in W3C/Jaeger baggage on every outgoing call that obs4j instruments, so the downstream
 * service's handler puts it on its own span and log lines too (for the fields its
 * {@code OBS4J_CONTEXT_FIELDS} setting names; {@code user.id} by default). Outside an instrumented request
 * these calls only touch the current span. They never throw.
 */
public final class ObsContext {
  /** The log and baggage name of the user id. */
  public static final String USER_ID = "user.id";

  /** The span attribute for the user id, per OpenTelemetry's semantic conventions. */
  public static final String USER_ID_ATTRIBUTE = "enduser.id";

  private ObsContext() {}

  /** Sets the id of the user this request acts for. */
  public static void setUserId(String userId) {
    set(USER_ID, userId);
  }

  /**
   * Sets a business field, e.g. {@code set("tenant.id", "acme")}; at most 32 per request. The span
   * attribute has the field's name, except {@code user.id}, which becomes {@code enduser.id}.
   */
  public static void set(String name, String value) {
    try {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      OperationState state = OperationState.current();
      if (state == null) {
        Span.current().setAttribute(attributeName(name), value);
        return;
      }
      if (state.putField(name, value)) {
        state.span().setAttribute(attributeName(name), value);
        if (state.ownsMdcOfThisThread()) {
          MDC.put(name, value); // removed when the operation's scope closes
        }
      }
    } catch (RuntimeException ignored) {
      // never fail the handler because of observability
    }
  }

  /** The span attribute a business field is recorded under. */
  private static String attributeName(String field) {
    return USER_ID.equals(field) ? USER_ID_ATTRIBUTE : field;
  }

  /**
   * Sets the route template of the current server request, e.g. {@code /orders/{id}}, for frameworks whose
   * adapter cannot know it (such as the JDK HTTP server). It names the span and tags the metrics, so it must
   * never contain ids.
   */
  public static void setRoute(String routeTemplate) {
    OperationState state = OperationState.current();
    if (state != null && routeTemplate != null) {
      state.route(routeTemplate);
    }
  }

  /** The current user id: set by {@link #setUserId} or arrived with the request as baggage; else null. */
  public static @Nullable String userId() {
    return get(USER_ID);
  }

  /**
   * The business field {@code name} of the current operation: set by {@link #set} in this service, or
   * arrived as baggage from the caller; null if neither.
   */
  public static @Nullable String get(String name) {
    try {
      OperationState state = OperationState.current();
      String value = state == null ? null : state.fields().get(name);
      return value != null ? value : Baggage.current().getEntryValue(name);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** The current trace id, or null outside a span. */
  public static @Nullable String traceId() {
    SpanContext context = Span.current().getSpanContext();
    return context.isValid() ? context.getTraceId() : null;
  }
}
