/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * obs4j for gRPC: server and client interceptors for grpc-java. grpc-java is the application's: this module
 * compiles against its API only.
 */
module dev.obs4j.grpc {
  requires transitive dev.obs4j.core;
  requires static transitive io.grpc;

  exports dev.obs4j.grpc;
}
