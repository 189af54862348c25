/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

/**
 * The response as a framework adapter sees it when the request is done. It carries its request, because the
 * route and method are needed when the response is known.
 */
public interface HttpServerResponse {
  /** The status code sent, or -1 when none was. */
  int statusCode();

  /** The request this response answers. */
  HttpServerRequest request();

  /** A response with {@code statusCode} to {@code request}. */
  static HttpServerResponse of(HttpServerRequest request, int statusCode) {
    return new HttpServerResponse() {
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
