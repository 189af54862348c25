/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
/**
 * gRPC tracing, RED metrics and log context for grpc-java: {@link dev.obs4j.grpc.ObsGrpc} hands out a server
 * and a client interceptor, thin adapters over obs4j's shared operation lifecycle.
 */
@NullMarked
package dev.obs4j.grpc;

import org.jspecify.annotations.NullMarked;
