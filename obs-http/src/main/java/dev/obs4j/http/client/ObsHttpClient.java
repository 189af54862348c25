/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.client;

import dev.obs4j.http.HttpClientHandler;
import dev.obs4j.http.ObsHttp;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * A {@link HttpClient} that traces every {@code send} and {@code sendAsync}: a CLIENT span under the current
 * span, the trace headers of every configured propagator (and the business fields as baggage), and the
 * {@code http.client.requests} timer. A drop-in for the client it wraps: every other method is the wrapped
 * client's, and cancelling the future {@code sendAsync} returns cancels the exchange, as it does on the JDK's
 * own client.
 *
 * <pre>{@code
 * HttpClient client = ObsHttpClient.wrap(ObsHttp.create(obs), HttpClient.newHttpClient());
 * }</pre>
 */
public final class ObsHttpClient extends HttpClient {
  private final HttpClient delegate;
  private final HttpClientHandler handler;

  private ObsHttpClient(ObsHttp http, HttpClient delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.handler = http.clientHandler();
  }

  /** Wraps {@code client} so that its requests report through {@code http}. */
  public static HttpClient wrap(ObsHttp http, HttpClient client) {
    return new ObsHttpClient(http, client);
  }

  @Override
  public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> responseBodyHandler)
      throws IOException, InterruptedException {
    HttpRequest.Builder traced = HttpRequest.newBuilder(request, (name, value) -> true);
    HttpClientHandler.Call call = handler.start(request.method(), request.uri(), null, traced, HttpRequest.Builder::setHeader);
    HttpResponse<T> response;
    try (Scope ignored = call.operation().context().makeCurrent()) {
      response = delegate.send(traced.build(), responseBodyHandler);
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      handler.end(call, -1, e);
      throw e;
    }
    handler.end(call, response.statusCode(), null);
    return response;
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request, HttpResponse.BodyHandler<T> responseBodyHandler) {
    return sendAsync(request, responseBodyHandler, null);
  }

  @Override
  public <T> CompletableFuture<HttpResponse<T>> sendAsync(
      HttpRequest request,
      HttpResponse.BodyHandler<T> responseBodyHandler,
      HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
    HttpRequest.Builder traced = HttpRequest.newBuilder(request, (name, value) -> true);
    HttpClientHandler.Call call = handler.start(request.method(), request.uri(), null, traced, HttpRequest.Builder::setHeader);
    CompletableFuture<HttpResponse<T>> future;
    try (Scope ignored = call.operation().context().makeCurrent()) {
      future = delegate.sendAsync(traced.build(), responseBodyHandler, pushPromiseHandler);
    } catch (RuntimeException | Error e) {
      handler.end(call, -1, e);
      throw e;
    }
    Context caller = Context.current();
    // The span ends on a stage of its own, which only the exchange completes: a stage the caller can
    // cancel would skip the action.
    CompletableFuture<HttpResponse<T>> ended =
        future.whenComplete(
            (response, error) -> {
              try (Scope ignored = caller.makeCurrent()) {
                handler.end(call, response == null ? -1 : response.statusCode(), error);
              }
            });
    CompletableFuture<HttpResponse<T>> result = ended.thenApply(response -> response);
    // When the caller cancels the result (or completes it, with orTimeout say) before the exchange is done,
    // cancel the client's own future, which aborts the exchange and closes its connection; the exchange's
    // CancellationException then ends the span.
    result.whenComplete(
        (response, error) -> {
          if (!future.isDone()) {
            future.cancel(true);
          }
        });
    return result;
  }

  /**
   * The wrapped client's WebSocket builder. The opening handshake is not traced: a WebSocket is a long-lived
   * connection, not a request.
   */
  @Override
  public WebSocket.Builder newWebSocketBuilder() {
    return delegate.newWebSocketBuilder();
  }

  @Override
  public Optional<CookieHandler> cookieHandler() {
    return delegate.cookieHandler();
  }

  @Override
  public Optional<Duration> connectTimeout() {
    return delegate.connectTimeout();
  }

  @Override
  public Redirect followRedirects() {
    return delegate.followRedirects();
  }

  @Override
  public Optional<ProxySelector> proxy() {
    return delegate.proxy();
  }

  @Override
  public SSLContext sslContext() {
    return delegate.sslContext();
  }

  @Override
  public SSLParameters sslParameters() {
    return delegate.sslParameters();
  }

  @Override
  public Optional<Authenticator> authenticator() {
    return delegate.authenticator();
  }

  @Override
  public Version version() {
    return delegate.version();
  }

  @Override
  public Optional<Executor> executor() {
    return delegate.executor();
  }

  @Override
  public String toString() {
    return "ObsHttpClient(" + delegate + ")";
  }
}
