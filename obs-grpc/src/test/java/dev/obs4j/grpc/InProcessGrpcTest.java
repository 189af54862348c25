/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

/** The contract over grpc-java's in-process transport: a real server and channel, no socket. */
class InProcessGrpcTest extends AbstractGrpcContractTest {
  private String name;

  @Override
  Server startServer(ServerServiceDefinition service) throws Exception {
    name = InProcessServerBuilder.generateName();
    return InProcessServerBuilder.forName(name).addService(service).build().start();
  }

  @Override
  ManagedChannel channel(Server server) {
    return InProcessChannelBuilder.forName(name).build();
  }

  @Override
  String serverAddress(Server server) {
    return "localhost"; // the in-process channel's default authority
  }

  @Override
  Long serverPort(Server server) {
    return null;
  }

  @Override
  boolean hasNetworkPeer() {
    return false;
  }
}
