/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A peer no one here wrote: OpenTelemetry's own gRPC library instrumentation
 * ({@code opentelemetry-grpc-1.6}, in its default configuration over an SDK with the W3C propagator, as
 * OpenTelemetry's defaults are), calling into an obs4j server and called by an obs4j client, over Netty on
 * loopback. Either way the trace continues.
 */
class OpenTelemetryGrpcPeerTest {
  private final InMemorySpanExporter otelSpans = InMemorySpanExporter.create();
  private OpenTelemetrySdk otel;
  private Recorder obs4j;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void peers() {
    otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(otelSpans)).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    obs4j = new Recorder("orders", "tracecontext,baggage,jaeger"); // obs4j's defaults
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    obs4j.close();
    otel.close();
  }

  private void serve(Orders service, ServerInterceptor interceptor) throws Exception {
    server = NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), InsecureServerCredentials.create())
        .addService(service.service(interceptor))
        .build()
        .start();
    channel = NettyChannelBuilder.forTarget("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create())
        .build();
  }

  private SpanData otelSpan(SpanKind kind) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<SpanData> found;
    do {
      found = otelSpans.getFinishedSpanItems().stream().filter(s -> s.getKind() == kind).toList();
      if (found.size() == 1) {
        return found.get(0);
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("expected one " + kind + " span from OpenTelemetry, got " + found);
  }

  @Test
  void openTelemetryClient_intoObs4jServer_continuesTheTrace() throws Exception {
    Orders service = new Orders();
    serve(service, ObsGrpc.create(obs4j.obs).newServerInterceptor());
    Channel client = ClientInterceptors.intercept(channel, GrpcTelemetry.create(otel).createClientInterceptor());
    Span job = otel.getTracer("test").spanBuilder("job").startSpan();
    try (Scope ignored = job.makeCurrent()) {
      assertThat(ClientCalls.blockingUnaryCall(client, Orders.GET, CallOptions.DEFAULT, "from-otel"))
          .isEqualTo("order from-otel");
    } finally {
      job.end();
    }
    SpanData otelClient = otelSpan(SpanKind.CLIENT);
    SpanData served = obs4j.only(SpanKind.SERVER);
    assertThat(otelClient.getName()).isEqualTo("shop.Orders/Get");
    assertThat(otelClient.getParentSpanId()).isEqualTo(job.getSpanContext().getSpanId());
    assertThat(served.getName()).isEqualTo(otelClient.getName());
    assertThat(served.getTraceId()).isEqualTo(job.getSpanContext().getTraceId());
    assertThat(served.getParentSpanId()).isEqualTo(otelClient.getSpanId());
    assertThat(service.seen.get("from-otel")).containsKey("traceparent");
  }

  @Test
  void obs4jClient_intoOpenTelemetryServer_continuesTheTrace() throws Exception {
    Orders service = new Orders();
    serve(service, GrpcTelemetry.create(otel).createServerInterceptor());
    Channel client = ClientInterceptors.intercept(channel, ObsGrpc.create(obs4j.obs).newClientInterceptor());
    assertThat(obs4j.obs.inSpan("checkout",
            () -> ClientCalls.blockingUnaryCall(client, Orders.GET, CallOptions.DEFAULT, "from-obs4j")))
        .isEqualTo("order from-obs4j");
    SpanData obsClient = obs4j.only(SpanKind.CLIENT);
    SpanData otelServer = otelSpan(SpanKind.SERVER);
    assertThat(obsClient.getParentSpanId()).isEqualTo(obs4j.named("checkout").getSpanId());
    assertThat(otelServer.getName()).isEqualTo("shop.Orders/Get");
    assertThat(otelServer.getTraceId()).isEqualTo(obsClient.getTraceId());
    assertThat(otelServer.getParentSpanId()).isEqualTo(obsClient.getSpanId());
    // the two speak the same attributes: what OpenTelemetry's server records, obs4j's client records
    assertThat(obsClient.getAttributes().get(AbstractGrpcContractTest.RPC_SERVICE))
        .isEqualTo(otelServer.getAttributes().get(AbstractGrpcContractTest.RPC_SERVICE));
    assertThat(obsClient.getAttributes().get(AbstractGrpcContractTest.RPC_METHOD))
        .isEqualTo(otelServer.getAttributes().get(AbstractGrpcContractTest.RPC_METHOD));
    assertThat(obsClient.getAttributes().get(AbstractGrpcContractTest.STATUS_CODE))
        .isEqualTo(otelServer.getAttributes().get(AbstractGrpcContractTest.STATUS_CODE));
  }
}
