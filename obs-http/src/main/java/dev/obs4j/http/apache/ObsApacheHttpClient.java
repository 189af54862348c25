/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http.apache;

import dev.obs4j.http.HttpClientHandler;
import dev.obs4j.http.ObsHttp;
import dev.obs4j.trace.HeaderSetter;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.async.AsyncExecCallback;
import org.apache.hc.client5.http.async.AsyncExecChain;
import org.apache.hc.client5.http.async.AsyncExecChainHandler;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.client5.http.impl.ChainElement;
import org.apache.hc.client5.http.impl.async.HttpAsyncClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.EntityDetails;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.nio.AsyncDataConsumer;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.jspecify.annotations.Nullable;

/**
 * Traces Apache HttpClient 5, classic and async: every attempt the client sends is a CLIENT span under the
 * span current when the application made the request, with the trace headers of every configured propagator
 * (and the business fields as baggage, to the hosts allowed), timed by {@code http.client.requests}. A retry,
 * a redirect followed or an authentication challenge answered is an attempt of its own, with
 * {@code http.request.resend_count}, as OpenTelemetry's HTTP conventions say: the handler sits in the
 * client's execution chain right after its protocol element, inside the retry and redirect elements.
 *
 * <pre>{@code
 * ObsApacheHttpClient tracing = ObsApacheHttpClient.create(ObsHttp.create(obs));
 * CloseableHttpClient client = tracing.instrument(HttpClients.custom()).build();
 * CloseableHttpAsyncClient async = tracing.instrument(HttpAsyncClients.custom()).build();
 * }</pre>
 *
 * <p>Apache HttpClient 5 is an optional dependency of obs-http: an application that uses this class brings
 * it ({@code org.apache.httpcomponents.client5:httpclient5}, 5.2 or later).
 */
public final class ObsApacheHttpClient {
  /** The name of obs4j's element in the client's execution chain. */
  public static final String CHAIN_ELEMENT = "obs4j";

  private static final HeaderSetter<HttpRequest> SETTER = HttpRequest::setHeader;
  private static final String EXCHANGE = ObsApacheHttpClient.class.getName() + ".exchange";

  private final HttpClientHandler handler;

  private ObsApacheHttpClient(ObsHttp http) {
    this.handler = Objects.requireNonNull(http, "http").clientHandler();
  }

  /** Tracing for Apache HttpClient 5 clients, reporting through {@code http}. */
  public static ObsApacheHttpClient create(ObsHttp http) {
    return new ObsApacheHttpClient(http);
  }

  /** Adds tracing to a classic client's builder (the builder, for chaining). */
  public HttpClientBuilder instrument(HttpClientBuilder builder) {
    return builder.addExecInterceptorAfter(ChainElement.PROTOCOL.name(), CHAIN_ELEMENT, new Classic());
  }

  /** Adds tracing to an async client's builder (the builder, for chaining). */
  public HttpAsyncClientBuilder instrument(HttpAsyncClientBuilder builder) {
    return builder.addExecInterceptorAfter(ChainElement.PROTOCOL.name(), CHAIN_ELEMENT, new Async());
  }

  /**
   * What the attempts of one exchange share, kept in its client context: the context the application made
   * the request in, and how many attempts were sent.
   */
  private static final class Exchange {
    final String id;
    final Context parent;
    final AtomicInteger sent = new AtomicInteger();

    Exchange(String id, Context parent) {
      this.id = id;
      this.parent = parent;
    }

    /** The exchange {@code id}'s state; the first attempt (on the application's thread) creates it. */
    static Exchange of(HttpClientContext context, String id) {
      Object kept = context.getAttribute(EXCHANGE);
      if (kept instanceof Exchange exchange && exchange.id.equals(id)) {
        return exchange;
      }
      Exchange exchange = new Exchange(id, Context.current());
      context.setAttribute(EXCHANGE, exchange); // a context the application reuses gets a fresh one
      return exchange;
    }
  }

  private HttpClientHandler.Call start(HttpRequest request, @Nullable HttpHost target, Exchange exchange) {
    return handler.start(
        exchange.parent, request.getMethod(), uri(request, target), null, exchange.sent.getAndIncrement(), request,
        SETTER);
  }

  /** The classic client's element: one span around each attempt. */
  private final class Classic implements ExecChainHandler {
    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
        throws IOException, HttpException {
      HttpClientHandler.Call call =
          start(request, scope.route.getTargetHost(), Exchange.of(scope.clientContext, scope.exchangeId));
      ClassicHttpResponse response;
      try (Scope ignored = call.operation().context().makeCurrent()) {
        response = chain.proceed(request, scope);
      } catch (IOException | HttpException | RuntimeException | Error e) {
        handler.end(call, -1, scope.execRuntime.isExecutionAborted() ? cancelled(e) : e);
        throw e;
      }
      handler.end(call, response.getCode(), null);
      return response;
    }
  }

  /** The async client's element: a span from each attempt's start to its callback's end. */
  private final class Async implements AsyncExecChainHandler {
    @Override
    public void execute(
        HttpRequest request,
        @Nullable AsyncEntityProducer entityProducer,
        AsyncExecChain.Scope scope,
        AsyncExecChain chain,
        AsyncExecCallback callback)
        throws HttpException, IOException {
      Attempt attempt =
          new Attempt(
              start(request, scope.route.getTargetHost(), Exchange.of(scope.clientContext, scope.exchangeId)),
              callback,
              scope);
      try (Scope ignored = attempt.call.operation().context().makeCurrent()) {
        chain.proceed(request, entityProducer, scope, attempt);
      } catch (HttpException | IOException | RuntimeException | Error e) {
        attempt.end(-1, e);
        throw e;
      }
    }
  }

  /** One async attempt's callback: records the status, ends the span once, then hands on. */
  private final class Attempt implements AsyncExecCallback {
    final HttpClientHandler.Call call;
    private final AsyncExecCallback delegate;
    private final AsyncExecChain.Scope scope;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile int status = -1;

    Attempt(HttpClientHandler.Call call, AsyncExecCallback delegate, AsyncExecChain.Scope scope) {
      this.call = call;
      this.delegate = delegate;
      this.scope = scope;
    }

    void end(int code, @Nullable Throwable error) {
      if (ended.compareAndSet(false, true)) {
        handler.end(call, code, error != null && scope.cancellableDependency.isCancelled() ? cancelled(error) : error);
      }
    }

    @Override
    public AsyncDataConsumer handleResponse(HttpResponse response, EntityDetails entityDetails)
        throws HttpException, IOException {
      status = response.getCode();
      return delegate.handleResponse(response, entityDetails);
    }

    @Override
    public void handleInformationResponse(HttpResponse response) throws HttpException, IOException {
      delegate.handleInformationResponse(response);
    }

    @Override
    public void completed() {
      end(status, null);
      delegate.completed();
    }

    @Override
    public void failed(Exception cause) {
      end(status, cause);
      delegate.failed(cause);
    }
  }

  /** A cancelled exchange is reported as the JDK client's adapter reports one: a CancellationException. */
  static Throwable cancelled(Throwable error) {
    CancellationException cancelled = new CancellationException("request cancelled");
    cancelled.initCause(error);
    return cancelled;
  }

  /** The attempt's URL: the route's target and the request's path (default ports left out). */
  static URI uri(HttpRequest request, @Nullable HttpHost target) {
    String path = request.getRequestUri();
    try {
      if (target == null || path.startsWith("http://") || path.startsWith("https://")) {
        return request.getUri();
      }
      String scheme = target.getSchemeName();
      int port = target.getPort();
      boolean defaultPort = port == -1 || ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
      return new URI(scheme, null, target.getHostName(), defaultPort ? -1 : port, null, null, null)
          .resolve(path.startsWith("/") ? path : "/" + path);
    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
      try {
        return target == null ? URI.create("") : new URI(target.getSchemeName(), target.getHostName(), null, null);
      } catch (java.net.URISyntaxException unusable) {
        return URI.create("");
      }
    }
  }
}
