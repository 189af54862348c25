/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import dev.obs4j.instrument.Operation;
import dev.obs4j.instrument.Operations;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * The server side: a SERVER span per call, its parent read from the call's metadata, current in every
 * callback of the call (so the handler's spans nest under it and its log lines carry its trace id), ended
 * when the call closes: when the service closes it with a status, when the application throws, or when the
 * client cancels or the deadline passes.
 */
final class ObsServerInterceptor implements ServerInterceptor {
  private final GrpcTelemetry telemetry;

  ObsServerInterceptor(GrpcTelemetry telemetry) {
    this.telemetry = telemetry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    MethodDescriptor<Q, R> method = call.getMethodDescriptor();
    // Extracted on top of the current context, not the root: where grpc-java's context lives inside
    // OpenTelemetry's (the ContextStorageOverride of OpenTelemetry's gRPC library or its agent), the root
    // would hide the call's deadline and cancellation from the handler.
    Operations operations = telemetry.operations();
    Operation operation =
        operations.start(
            operations.inbound(operations.propagation().extract(Context.current(), headers, GrpcTelemetry.GETTER)),
            method.getFullMethodName(),
            SpanKind.SERVER,
            Attributes.empty());
    Span span = operation.span();
    if (span.isRecording()) {
      try {
        GrpcTelemetry.setMethodAttributes(span, method);
        GrpcTelemetry.setServer(span, call.getAuthority());
        GrpcTelemetry.setPeer(span, call.getAttributes());
      } catch (RuntimeException ignored) {
        // an attribute less; never fail the call because of observability
      }
    }
    ServerCallState state = new ServerCallState(telemetry, operation, method);
    ServerCall.Listener<Q> listener;
    try (Scope ignored = operation.makeCurrent()) {
      listener = next.startCall(new TracingServerCall<>(call, state), headers);
    } catch (Throwable t) {
      state.end(Status.UNKNOWN, t);
      throw t;
    }
    return new TracingListener<>(listener, state);
  }

  /**
   * Why a call was cancelled: the client cancelled, the deadline passed, or the transport broke, as grpc-java's
   * call context says. A client whose deadline passes cancels the call itself, and its cancel often arrives
   * just before the server's copy of the deadline (which started when the headers arrived) expires: a cancel
   * with at most {@value #DEADLINE_SLACK_MILLIS} ms left on the deadline counts as DEADLINE_EXCEEDED.
   */
  static Status cancelStatus(io.grpc.Context context) {
    Status status = Contexts.statusFromCancelled(context);
    Deadline deadline = context.getDeadline();
    if ((status == null || status.getCode() == Status.Code.CANCELLED)
        && deadline != null
        && deadline.timeRemaining(TimeUnit.MILLISECONDS) <= DEADLINE_SLACK_MILLIS) {
      return Status.DEADLINE_EXCEEDED;
    }
    return status == null ? Status.CANCELLED : status;
  }

  static final long DEADLINE_SLACK_MILLIS = 20;

  /** One call in flight: ends its operation once, whichever of close, an exception or a cancel comes first. */
  static final class ServerCallState {
    private static final AtomicIntegerFieldUpdater<ServerCallState> ENDED =
        AtomicIntegerFieldUpdater.newUpdater(ServerCallState.class, "ended");

    final GrpcTelemetry telemetry;
    final Operation operation;
    final MethodDescriptor<?, ?> method;
    private volatile int ended;
    private long sent;
    private long received;

    ServerCallState(GrpcTelemetry telemetry, Operation operation, MethodDescriptor<?, ?> method) {
      this.telemetry = telemetry;
      this.operation = operation;
      this.method = method;
    }

    void end(Status status, @Nullable Throwable thrown) {
      if (ENDED.compareAndSet(this, 0, 1)) {
        telemetry.end(operation, method, true, status, thrown);
      }
    }

    void messageSent() {
      if (telemetry.messageEvents()) {
        event("SENT", ++sent);
      }
    }

    void messageReceived() {
      if (telemetry.messageEvents()) {
        event("RECEIVED", ++received);
      }
    }

    private void event(String type, long id) {
      operation.span().addEvent(
          GrpcTelemetry.MESSAGE_EVENT,
          io.opentelemetry.api.common.Attributes.of(
              GrpcTelemetry.MESSAGE_TYPE, type, GrpcTelemetry.MESSAGE_ID, id));
    }
  }

  /** Sees the status the service closes the call with. */
  private static final class TracingServerCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final ServerCallState state;

    TracingServerCall(ServerCall<Q, R> call, ServerCallState state) {
      super(call);
      this.state = state;
    }

    @Override
    public void sendMessage(R message) {
      super.sendMessage(message);
      state.messageSent();
    }

    @Override
    public void close(Status status, Metadata trailers) {
      try {
        super.close(status, trailers);
      } catch (Throwable t) {
        state.end(status, t);
        throw t;
      }
      state.end(status, null);
    }
  }

  /** Runs every callback with the call's operation current; ends it on an exception, a cancel or completion. */
  private static final class TracingListener<Q> extends SimpleForwardingServerCallListener<Q> {
    private final ServerCallState state;

    TracingListener(ServerCall.Listener<Q> delegate, ServerCallState state) {
      super(delegate);
      this.state = state;
    }

    @Override
    public void onMessage(Q message) {
      state.messageReceived();
      try (Scope ignored = state.operation.makeCurrent()) {
        super.onMessage(message);
      } catch (Throwable t) {
        state.end(Status.UNKNOWN, t);
        throw t;
      }
    }

    @Override
    public void onHalfClose() {
      try (Scope ignored = state.operation.makeCurrent()) {
        super.onHalfClose();
      } catch (Throwable t) {
        state.end(Status.UNKNOWN, t); // grpc-java answers UNKNOWN to an exception the application threw
        throw t;
      }
    }

    @Override
    public void onReady() {
      try (Scope ignored = state.operation.makeCurrent()) {
        super.onReady();
      } catch (Throwable t) {
        state.end(Status.UNKNOWN, t);
        throw t;
      }
    }

    @Override
    public void onCancel() {
      Status status = cancelStatus(io.grpc.Context.current());
      try (Scope ignored = state.operation.makeCurrent()) {
        super.onCancel();
      } finally {
        state.end(status, null);
      }
    }

    @Override
    public void onComplete() {
      try (Scope ignored = state.operation.makeCurrent()) {
        super.onComplete();
      } finally {
        state.end(Status.OK, null); // closed already, normally: this only covers a call closed around us
      }
    }
  }
}
