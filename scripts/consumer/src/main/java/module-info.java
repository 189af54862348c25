/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */

/** A user's service on the module path: it reads only what obs4j's descriptors export. */
module dev.obs4j.consumer {
  requires dev.obs4j.http;
  requires dev.obs4j.jdbc;
  requires io.javalin;
  requires com.h2database;
}
