/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import dev.obs4j.Obs;
import io.grpc.ClientInterceptor;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * gRPC instrumentation for grpc-java: a {@link #newServerInterceptor() server interceptor} and a
 * {@link #newClientInterceptor() client interceptor}. Each call is a SERVER or CLIENT span named
 * {@code package.Service/Method} with OpenTelemetry's {@code rpc.*} attributes, the trace context in the
 * call's metadata in every configured format, and a timer per method and status code
 * ({@code rpc.server.duration}, {@code rpc.client.duration}) with the trace id as exemplar. The span lasts
 * until the call closes, streaming calls included; log lines written inside a call carry its trace id.
 *
 * <pre>{@code
 * ObsGrpc grpc = ObsGrpc.create(obs);
 * Server server = ServerBuilder.forPort(8980).addService(myService).intercept(grpc.newServerInterceptor()).build();
 * ManagedChannel channel = ManagedChannelBuilder.forTarget("orders:8980").intercept(grpc.newClientInterceptor()).build();
 * }</pre>
 */
public final class ObsGrpc {
  private final Obs obs;
  private final boolean messageEvents;
  private final boolean percentileHistogram;
  private final List<Duration> serviceLevelObjectives;
  private final GrpcTelemetry telemetry;

  private ObsGrpc(Builder builder) {
    this.obs = builder.obs;
    this.messageEvents = builder.messageEvents;
    this.percentileHistogram = builder.percentileHistogram;
    this.serviceLevelObjectives = List.copyOf(builder.serviceLevelObjectives);
    this.telemetry = new GrpcTelemetry(this);
  }

  /** gRPC instrumentation with the defaults. */
  public static ObsGrpc create(Obs obs) {
    return builder(obs).build();
  }

  /** Starts configuring gRPC instrumentation over {@code obs}. */
  public static Builder builder(Obs obs) {
    return new Builder(obs);
  }

  /** The handle this instrumentation reports through. */
  public Obs obs() {
    return obs;
  }

  /**
   * A server interceptor: add it to every service ({@code ServerBuilder.intercept}, or
   * {@code ServerInterceptors.intercept(service, interceptor)}). Put it first, so that it sees the call before
   * any other interceptor and the others run inside the call's span.
   */
  public ServerInterceptor newServerInterceptor() {
    return new ObsServerInterceptor(telemetry);
  }

  /**
   * A client interceptor: add it to the channel ({@code ManagedChannelBuilder.intercept}, or
   * {@code ClientInterceptors.intercept(channel, interceptor)}). Calls started under a span are its children.
   */
  public ClientInterceptor newClientInterceptor() {
    return new ObsClientInterceptor(telemetry);
  }

  boolean messageEvents() {
    return messageEvents;
  }

  boolean percentileHistogram() {
    return percentileHistogram;
  }

  List<Duration> serviceLevelObjectives() {
    return serviceLevelObjectives;
  }

  /** Configures {@link ObsGrpc}; every setting has a sensible default. */
  public static final class Builder {
    private final Obs obs;
    private boolean messageEvents;
    private boolean percentileHistogram = true;
    private final List<Duration> serviceLevelObjectives = new ArrayList<>();

    private Builder(Obs obs) {
      this.obs = Objects.requireNonNull(obs, "obs");
    }

    /**
     * Adds an {@code rpc.message} event to the span for every message sent and received
     * ({@code rpc.message.type} {@code SENT} or {@code RECEIVED}, {@code rpc.message.id} counting from 1 in
     * each direction). Off by default: a long stream would fill the span with events up to the span limit.
     */
    public Builder messageEvents(boolean enabled) {
      this.messageEvents = enabled;
      return this;
    }

    /** Whether the timers publish histogram buckets (default true: Grafana heatmaps, exemplars). */
    public Builder percentileHistogram(boolean enabled) {
      this.percentileHistogram = enabled;
      return this;
    }

    /** Extra histogram buckets at these durations, e.g. your latency objectives. */
    public Builder serviceLevelObjectives(Duration... objectives) {
      for (Duration d : objectives) {
        serviceLevelObjectives.add(Objects.requireNonNull(d, "objective"));
      }
      return this;
    }

    /** The configured instrumentation. */
    public ObsGrpc build() {
      return new ObsGrpc(this);
    }
  }
}
