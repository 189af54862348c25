/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.obs4j.Obs;
import dev.obs4j.grpc.ObsGrpc;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** integrations/grpc.adoc: the server and client interceptors, over a real in-process server and channel. */
class GrpcDocTest {
  private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** What protoc would generate for {@code service Orders { rpc Get (...) returns (...); }} in package shop. */
  private static final MethodDescriptor<String, String> GET = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("shop.Orders/Get")
      .setRequestMarshaller(TEXT)
      .setResponseMarshaller(TEXT)
      .build();

  private static BindableService orders() {
    return () -> ServerServiceDefinition.builder("shop.Orders")
        .addMethod(GET, ServerCalls.asyncUnaryCall((String id, io.grpc.stub.StreamObserver<String> response) -> {
          if (id.equals("0")) {
            response.onError(Status.NOT_FOUND.asRuntimeException());
            return;
          }
          response.onNext("order " + id);
          response.onCompleted();
        }))
        .build();
  }

  /** One call from a client to a server, both intercepted with {@code obs}, in-process (for MetricsDocTest). */
  static void callOrders(Obs obs) throws Exception {
    String name = InProcessServerBuilder.generateName();
    ObsGrpc grpc = ObsGrpc.create(obs);
    Server server = InProcessServerBuilder.forName(name).addService(orders()).intercept(grpc.newServerInterceptor())
        .build().start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).intercept(grpc.newClientInterceptor()).build();
    try {
      ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "1");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void interceptorsOnServerAndChannel_oneTraceAndTimersPerMethod() throws Exception {
    InMemorySpanExporter gatewaySpans = InMemorySpanExporter.create();
    InMemorySpanExporter orderSpans = InMemorySpanExporter.create();
    String name = InProcessServerBuilder.generateName();
    try (Obs obs = Docs.builder("orders", orderSpans).build();
        Obs gatewayObs = Docs.builder("gateway", gatewaySpans).build()) {
      // tag::server[]
      ObsGrpc grpc = ObsGrpc.create(obs);
      Server server = InProcessServerBuilder.forName(name) // or ServerBuilder.forPort(8980), NettyServerBuilder ...
          .addService(orders())
          .intercept(grpc.newServerInterceptor())
          .build()
          .start();
      // end::server[]
      ManagedChannel channel;
      {
        ObsGrpc gatewayGrpc = ObsGrpc.create(gatewayObs);
        // tag::client[]
        channel = InProcessChannelBuilder.forName(name) // or ManagedChannelBuilder.forTarget("orders:8980") ...
            .intercept(gatewayGrpc.newClientInterceptor())
            .build();
        // end::client[]
      }
      try {
        String order = gatewayObs.inSpan("checkout",
            () -> ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "17"));
        assertThat(order).isEqualTo("order 17");
        SpanData client = Docs.span(gatewaySpans, SpanKind.CLIENT);
        SpanData served = Docs.awaitSpan(orderSpans, SpanKind.SERVER); // ends once the server closed the call
        assertThat(client.getName()).isEqualTo("shop.Orders/Get");
        assertThat(served.getName()).isEqualTo("shop.Orders/Get");
        assertThat(served.getTraceId()).isEqualTo(client.getTraceId());
        assertThat(served.getParentSpanId()).isEqualTo(client.getSpanId());
        assertThat(served.getAttributes().get(AttributeKey.stringKey("rpc.service"))).isEqualTo("shop.Orders");
        assertThat(served.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("Get");
        assertThat(served.getAttributes().get(AttributeKey.longKey("rpc.grpc.status_code"))).isZero();

        gatewaySpans.reset();
        orderSpans.reset();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, GET, CallOptions.DEFAULT, "0"))
            .isInstanceOf(StatusRuntimeException.class);
        assertThat(Docs.span(gatewaySpans, SpanKind.CLIENT).getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(Docs.awaitSpan(orderSpans, SpanKind.SERVER).getStatus().getStatusCode())
            .as("NOT_FOUND is the caller's business").isEqualTo(StatusCode.UNSET);

        assertThat(Docs.scrape(obs))
            .contains("rpc_server_duration_seconds_count{rpc_grpc_status_code=\"0\",rpc_method=\"Get\","
                + "rpc_service=\"shop.Orders\",rpc_system=\"grpc\",service=\"orders\"} 1")
            .contains("rpc_server_duration_seconds_count{rpc_grpc_status_code=\"5\",rpc_method=\"Get\"");
        assertThat(Docs.scrape(gatewayObs))
            .contains("rpc_client_duration_seconds_count{rpc_grpc_status_code=\"0\",rpc_method=\"Get\","
                + "rpc_service=\"shop.Orders\",rpc_system=\"grpc\",service=\"gateway\"} 1");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
