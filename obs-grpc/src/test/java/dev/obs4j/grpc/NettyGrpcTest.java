/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The contract over HTTP/2 with grpc-java's Netty transport, on a free loopback port. */
class NettyGrpcTest extends AbstractGrpcContractTest {
  @Override
  Server startServer(ServerServiceDefinition service) throws Exception {
    return NettyServerBuilder.forAddress(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), InsecureServerCredentials.create())
        .addService(service)
        .build()
        .start();
  }

  @Override
  ManagedChannel channel(Server server) {
    return NettyChannelBuilder.forTarget("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create())
        .build();
  }

  @Override
  String serverAddress(Server server) {
    return "127.0.0.1";
  }

  @Override
  Long serverPort(Server server) {
    return (long) server.getPort();
  }

  @Override
  boolean hasNetworkPeer() {
    return true;
  }
}
