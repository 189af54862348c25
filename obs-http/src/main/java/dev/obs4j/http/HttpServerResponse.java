/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The response as a framework adapter sees it when the request is done. It carries its request, because the
 * route and method are needed when the response is known.
 */
public interface HttpServerResponse {
  /** The status code sent, or -1 when none was. */
  int statusCode();

  /** The request this response answers. */
  HttpServerRequest request();

  /** The first value of a response header, or null (only read for headers the user asked to record). */
  default @Nullable String header(String name) {
    return null;
  }

  /** A response with {@code statusCode} to {@code request}. */
  static HttpServerResponse of(HttpServerRequest request, int statusCode) {
    return of(request, statusCode, name -> null);
  }

  /** A response with {@code statusCode} to {@code request} whose headers {@code headers} reads. */
  static HttpServerResponse of(
      HttpServerRequest request, int statusCode, Function<String, @Nullable String> headers) {
    return new HttpServerResponse() {
      @Override
      public @Nullable String header(String name) {
        return headers.apply(name);
      }

      @Override
      public int statusCode() {
        return statusCode;
      }

      @Override
      public HttpServerRequest request() {
        return request;
      }
    };
  }
}
