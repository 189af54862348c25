/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC service defined by hand (no generated code): {@code shop.Orders/Get} (unary) and
 * {@code shop.Orders/List} (server streaming), with strings on the wire. {@code Get} answers by its request:
 * {@code missing} NOT_FOUND, {@code internal} INTERNAL, {@code boom} throws, {@code slow} waits until the call
 * is cancelled or its deadline passes; anything else {@code order <request>}. Every call writes the log line
 * {@code handling <method> <request>} and its metadata is kept, by request, in {@link #seen}.
 */
final class Orders {
  private static final Logger log = LoggerFactory.getLogger("shop.orders");

  static final MethodDescriptor.Marshaller<String> STRING =
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

  static final MethodDescriptor<String, String> GET =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("shop.Orders", "Get"))
          .setRequestMarshaller(STRING)
          .setResponseMarshaller(STRING)
          .build();

  static final MethodDescriptor<String, String> LIST =
      MethodDescriptor.<String, String>newBuilder()
          .setType(MethodDescriptor.MethodType.SERVER_STREAMING)
          .setFullMethodName(MethodDescriptor.generateFullMethodName("shop.Orders", "List"))
          .setRequestMarshaller(STRING)
          .setResponseMarshaller(STRING)
          .build();

  /** The metadata each request arrived with, lower-case key to value. */
  final Map<String, Map<String, String>> seen = new ConcurrentHashMap<>();
  /** Counted down when a {@code slow} call reaches the handler. */
  volatile CountDownLatch slowStarted = new CountDownLatch(1);

  /** The service behind {@code interceptor}, which sees each call first. */
  ServerServiceDefinition service(ServerInterceptor interceptor) {
    ServerServiceDefinition plain =
        ServerServiceDefinition.builder("shop.Orders")
            .addMethod(GET, ServerCalls.asyncUnaryCall(this::get))
            .addMethod(LIST, ServerCalls.asyncServerStreamingCall(this::list))
            .build();
    ServerInterceptor keepHeaders =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
            ServerCall.Listener<Q> listener = next.startCall(call, metadata);
            return new io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(listener) {
              @Override
              public void onMessage(Q message) {
                Map<String, String> values = new ConcurrentHashMap<>();
                for (String key : metadata.keys()) {
                  if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    values.put(key, metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
                  }
                }
                seen.put(String.valueOf(message), values);
                super.onMessage(message);
              }
            };
          }
        };
    // the last interceptor given runs first
    return ServerInterceptors.intercept(plain, keepHeaders, interceptor);
  }

  private void get(String request, StreamObserver<String> response) {
    log.info("handling Get {}", request);
    switch (request.replaceAll("-.*", "")) {
      case "missing":
        response.onError(Status.NOT_FOUND.withDescription("no order " + request).asRuntimeException());
        return;
      case "internal":
        response.onError(Status.INTERNAL.withDescription("database down").asRuntimeException());
        return;
      case "boom":
        throw new IllegalStateException("order store broke");
      case "slow":
        waitForCancel();
        return;
      default:
        response.onNext("order " + request);
        response.onCompleted();
    }
  }

  private void list(String request, StreamObserver<String> response) {
    log.info("handling List {}", request);
    for (int i = 1; i <= 3; i++) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      response.onNext(request + " " + i);
    }
    response.onCompleted();
  }

  /** Holds the handler until the call is cancelled, and then until its deadline (if any) has passed. */
  private void waitForCancel() {
    Context context = Context.current();
    CountDownLatch cancelled = new CountDownLatch(1);
    context.addListener(c -> cancelled.countDown(), Runnable::run);
    slowStarted.countDown();
    try {
      cancelled.await(10, TimeUnit.SECONDS);
      Deadline deadline = context.getDeadline();
      while (deadline != null && !deadline.isExpired()) {
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
