/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import dev.obs4j.instrument.Operation;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The client side: a CLIENT span per call under the span current when the call was made, the trace context
 * written into the call's metadata in every configured format, ended when the call closes (the server's
 * status, the deadline, a cancellation, or a failure to reach the server), whatever thread that happens on.
 * The response listener runs in the caller's context, as it would without the interceptor.
 */
final class ObsClientInterceptor implements ClientInterceptor {
  private final GrpcTelemetry telemetry;

  ObsClientInterceptor(GrpcTelemetry telemetry) {
    this.telemetry = telemetry;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(
      MethodDescriptor<Q, R> method, CallOptions callOptions, Channel next) {
    Context parent = Context.current();
    Operation operation =
        telemetry.operations().start(parent, method.getFullMethodName(), SpanKind.CLIENT, Attributes.empty());
    Span span = operation.span();
    String authority = callOptions.getAuthority() != null ? callOptions.getAuthority() : next.authority();
    if (span.isRecording()) {
      try {
        GrpcTelemetry.setMethodAttributes(span, method);
        GrpcTelemetry.setServer(span, authority);
      } catch (RuntimeException ignored) {
        // an attribute less; never fail the call because of observability
      }
    }
    ClientCallState state = new ClientCallState(telemetry, operation, method, parent, authority);
    ClientCall<Q, R> call;
    try (Scope ignored = operation.context().makeCurrent()) {
      call = next.newCall(method, callOptions);
    } catch (Throwable t) {
      state.end(Status.fromThrowable(t), t);
      throw t;
    }
    return new TracingClientCall<>(call, state);
  }

  /** One call in flight: ends its operation once. */
  static final class ClientCallState {
    private static final AtomicIntegerFieldUpdater<ClientCallState> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(ClientCallState.class, "ended");

    final GrpcTelemetry telemetry;
    final Operation operation;
    final MethodDescriptor<?, ?> method;
    final Context parent;
    final @Nullable String authority;
    private volatile int ended;
    private long sent;
    private long received;

    ClientCallState(
        GrpcTelemetry telemetry, Operation operation, MethodDescriptor<?, ?> method, Context parent,
        @Nullable String authority) {
      this.telemetry = telemetry;
      this.operation = operation;
      this.method = method;
      this.parent = parent;
      this.authority = authority;
    }

    void end(Status status, @Nullable Throwable thrown) {
      if (ENDED.compareAndSet(this, 0, 1)) {
        telemetry.end(operation, method, false, status, thrown);
      }
    }

    void message(String type, boolean out) {
      if (telemetry.messageEvents()) {
        long id = out ? ++sent : ++received;
        operation.span().addEvent(
            GrpcTelemetry.MESSAGE_EVENT,
            Attributes.of(GrpcTelemetry.MESSAGE_TYPE, type, GrpcTelemetry.MESSAGE_ID, id));
      }
    }
  }

  /** Writes the trace context into the call's metadata when it starts. */
  private static final class TracingClientCall<Q, R> extends SimpleForwardingClientCall<Q, R> {
    private final ClientCallState state;

    TracingClientCall(ClientCall<Q, R> delegate, ClientCallState state) {
      super(delegate);
      this.state = state;
    }

    @Override
    public void start(Listener<R> responseListener, Metadata headers) {
      GrpcTelemetry telemetry = state.telemetry;
      telemetry.operations().propagation().inject(
          state.operation.context(),
          headers,
          GrpcTelemetry.SETTER,
          telemetry.operations().businessFieldsAllowed(GrpcTelemetry.host(state.authority)));
      try (Scope ignored = state.operation.context().makeCurrent()) {
        super.start(new TracingListener<>(responseListener, state, this), headers);
      } catch (Throwable t) {
        state.end(Status.fromThrowable(t), t);
        throw t;
      }
    }

    @Override
    public void sendMessage(Q message) {
      super.sendMessage(message);
      state.message("SENT", true);
    }
  }

  /** Ends the span when the call closes, then hands the close on in the caller's context. */
  private static final class TracingListener<R> extends SimpleForwardingClientCallListener<R> {
    private final ClientCallState state;
    private final ClientCall<?, ?> call;

    TracingListener(ClientCall.Listener<R> delegate, ClientCallState state, ClientCall<?, ?> call) {
      super(delegate);
      this.state = state;
      this.call = call;
    }

    @Override
    public void onHeaders(Metadata headers) {
      try (Scope ignored = state.parent.makeCurrent()) {
        super.onHeaders(headers);
      }
    }

    @Override
    public void onMessage(R message) {
      state.message("RECEIVED", false);
      try (Scope ignored = state.parent.makeCurrent()) {
        super.onMessage(message);
      }
    }

    @Override
    public void onReady() {
      try (Scope ignored = state.parent.makeCurrent()) {
        super.onReady();
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      Span span = state.operation.span();
      if (span.isRecording()) {
        try {
          GrpcTelemetry.setPeer(span, call.getAttributes());
        } catch (RuntimeException ignored) {
          // an attribute less
        }
      }
      state.end(status, null);
      try (Scope ignored = state.parent.makeCurrent()) {
        super.onClose(status, trailers);
      }
    }
  }
}
