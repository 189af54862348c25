/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real gRPC server (grpc-java over Netty) on a free loopback port that answers one unary method with raw
 * protobuf bytes, so a test can play an OTLP collector or Jaeger's sampling manager and decode what it got.
 */
public final class GrpcServer implements AutoCloseable {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private final Server server;
  private final List<byte[]> requests = new CopyOnWriteArrayList<>();

  /** Serves {@code service/method}; {@code answer} turns a request's bytes into the response's. */
  public GrpcServer(String service, String method, Function<byte[], byte[]> answer) throws IOException {
    MethodDescriptor<byte[], byte[]> descriptor =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
    ServerServiceDefinition definition =
        ServerServiceDefinition.builder(service)
            .addMethod(
                descriptor,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      requests.add(request);
                      response.onNext(answer.apply(request));
                      response.onCompleted();
                    }))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(definition)
            .build()
            .start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public List<byte[]> requests() {
    return requests;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
