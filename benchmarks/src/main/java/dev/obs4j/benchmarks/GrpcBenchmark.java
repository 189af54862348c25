/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.benchmarks;

import dev.obs4j.Obs;
import dev.obs4j.grpc.ObsGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One unary gRPC call through a real in-process server and channel (direct executors, so the call runs on
 * the benchmark thread and nothing else varies): bare, with obs4j's client and server interceptors on both
 * sides (two spans, two timers with exemplars, metadata injected and extracted, the log context set around
 * the handler), and the same with sampling off. The difference is the interceptors' per-call cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
public class GrpcBenchmark {
  private static final MethodDescriptor.Marshaller<String> TEXT =
      new MethodDescriptor.Marshaller<>() {
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

  private static final MethodDescriptor<String, String> GET =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("shop.Orders/Get")
          .setRequestMarshaller(TEXT)
          .setResponseMarshaller(TEXT)
          .build();

  private Obs sampledObs;
  private Obs unsampledObs;
  private Server server;
  private ManagedChannel channel;
  private Channel bareChannel;
  private Channel sampledChannel;
  private Channel unsampledChannel;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    sampledObs = Discard.obs().sampler("always_on").build();
    unsampledObs = Discard.obs().sampler("always_off").build();
    ObsGrpc sampled = ObsGrpc.create(sampledObs);
    ObsGrpc unsampled = ObsGrpc.create(unsampledObs);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            // the same service three times, under three names: bare, sampled, unsampled
            .addService(orders("bare"))
            .addService(ServerInterceptors.intercept(orders("sampled"), sampled.newServerInterceptor()))
            .addService(ServerInterceptors.intercept(orders("unsampled"), unsampled.newServerInterceptor()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    bareChannel = channel;
    sampledChannel = ClientInterceptors.intercept(channel, sampled.newClientInterceptor());
    unsampledChannel = ClientInterceptors.intercept(channel, unsampled.newClientInterceptor());
  }

  /** An echo service {@code <prefix>.Orders/Get}. */
  private static ServerServiceDefinition orders(String prefix) {
    return ServerServiceDefinition.builder(prefix + ".Orders")
        .addMethod(method(prefix), ServerCalls.asyncUnaryCall((String id, io.grpc.stub.StreamObserver<String> r) -> {
          r.onNext(id);
          r.onCompleted();
        }))
        .build();
  }

  private static MethodDescriptor<String, String> method(String prefix) {
    return GET.toBuilder().setFullMethodName(prefix + ".Orders/Get").build();
  }

  private static final MethodDescriptor<String, String> BARE = method("bare");
  private static final MethodDescriptor<String, String> SAMPLED = method("sampled");
  private static final MethodDescriptor<String, String> UNSAMPLED = method("unsampled");

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    sampledObs.close();
    unsampledObs.close();
  }

  @Benchmark
  public String bare() {
    return ClientCalls.blockingUnaryCall(bareChannel, BARE, CallOptions.DEFAULT, "17");
  }

  @Benchmark
  public String obs4j_sampled() {
    return ClientCalls.blockingUnaryCall(sampledChannel, SAMPLED, CallOptions.DEFAULT, "17");
  }

  @Benchmark
  public String obs4j_unsampled() {
    return ClientCalls.blockingUnaryCall(unsampledChannel, UNSAMPLED, CallOptions.DEFAULT, "17");
  }
}
