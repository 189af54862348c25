/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import dev.obs4j.internal.OperationState;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * Carries trace context in and out of any carrier (HTTP headers, message headers, a map) with every
 * configured propagator: extract accepts any of them, inject writes all of them. A malformed header never
 * throws: it is ignored and the result is a context without a remote parent.
 *
 * <pre>{@code
 * Map<String, String> headers = new HashMap<>();
 * obs.propagation().inject(headers);                 // before sending
 * Context parent = obs.propagation().extract(headers); // on receipt
 * }</pre>
 */
public final class Propagation {
  private static final TextMapGetter<Map<String, String>> MAP_GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public @Nullable String get(@Nullable Map<String, String> carrier, String key) {
          if (carrier == null) {
            return null;
          }
          String value = carrier.get(key);
          if (value == null) {
            // Header names are case-insensitive; most carriers hold them as they arrived.
            for (Map.Entry<String, String> e : carrier.entrySet()) {
              if (e.getKey() != null && e.getKey().equalsIgnoreCase(key)) {
                return e.getValue();
              }
            }
          }
          return value;
        }
      };

  private final TextMapPropagator propagator;

  /** Wraps {@code propagator}; obs4j users get theirs from {@code Obs.propagation()}. */
  public Propagation(TextMapPropagator propagator) {
    this.propagator = Objects.requireNonNull(propagator, "propagator");
  }

  /** The composite OpenTelemetry propagator behind this helper. */
  public TextMapPropagator propagator() {
    return propagator;
  }

  /** The header (or field) names this propagation may read or write, in lower case. */
  public Collection<String> fields() {
    return propagator.fields();
  }

  /** Writes the current context into {@code headers}. */
  public void inject(Map<String, String> headers) {
    inject(Context.current(), headers, Map::put);
  }

  /**
   * Writes {@code context} into {@code carrier} through {@code setter}, e.g.
   * {@code inject(Context.current(), requestBuilder, HttpRequest.Builder::setHeader)}.
   */
  public <C> void inject(Context context, C carrier, HeaderSetter<? super C> setter) {
    Objects.requireNonNull(setter, "setter");
    try {
      propagator.inject(
          withBusinessFields(context),
          carrier,
          (TextMapSetter<C>)
              (c, key, value) -> {
                if (c != null && !hasControlCharacters(value)) {
                  setter.set(c, key, value);
                }
              });
    } catch (RuntimeException ignored) {
      // A carrier that refuses a header must not fail the caller.
    }
  }

  /** Business fields set with {@code ObsContext} travel downstream as baggage entries. */
  private static Context withBusinessFields(Context context) {
    OperationState state = OperationState.fromContext(context);
    if (state == null || state.fields().isEmpty()) {
      return context;
    }
    BaggageBuilder baggage = Baggage.fromContext(context).toBuilder();
    state.fields().forEach(baggage::put);
    return context.with(baggage.build());
  }

  /** Reads a context from {@code headers} (names matched case-insensitively), on top of the current one. */
  public Context extract(Map<String, String> headers) {
    return extract(Context.current(), headers, MAP_GETTER);
  }

  /**
   * Reads a context from {@code carrier} through {@code getter}, which returns the first value of a header
   * or null, on top of the current context.
   */
  public <C> Context extract(C carrier, BiFunction<? super C, String, @Nullable String> getter) {
    return extract(Context.current(), carrier, getter(getter));
  }

  /**
   * An OpenTelemetry getter over a function that returns the first value of a header (or null); the
   * header names it offers are those of the configured propagators.
   */
  public <C> TextMapGetter<C> getter(BiFunction<? super C, String, @Nullable String> getter) {
    Objects.requireNonNull(getter, "getter");
    return new TextMapGetter<C>() {
      @Override
      public Iterable<String> keys(C c) {
        return propagator.fields();
      }

      @Override
      public @Nullable String get(@Nullable C c, String key) {
        return c == null ? null : getter.apply(c, key);
      }
    };
  }

  /**
   * Reads a context with an OpenTelemetry getter; a malformed header yields {@code parent} unchanged. A
   * header value holding a control character (CR, LF, NUL ...) is ignored whole, so that it can never be
   * copied into an outgoing header.
   */
  public <C> Context extract(Context parent, C carrier, TextMapGetter<C> getter) {
    try {
      return propagator.extract(parent, carrier, new SafeGetter<>(getter));
    } catch (RuntimeException e) {
      return parent;
    }
  }

  /** True for values no header may carry: ASCII control characters other than tab. */
  static boolean hasControlCharacters(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static final class SafeGetter<C> implements TextMapGetter<C> {
    private final TextMapGetter<C> delegate;

    SafeGetter(TextMapGetter<C> delegate) {
      this.delegate = delegate;
    }

    @Override
    public Iterable<String> keys(C carrier) {
      return delegate.keys(carrier);
    }

    @Override
    public @Nullable String get(@Nullable C carrier, String key) {
      String value = delegate.get(carrier, key);
      return value == null || hasControlCharacters(value) ? null : value;
    }
  }

  /** Sets one header on a carrier; the carrier decides whether a second value replaces the first. */
  @FunctionalInterface
  public interface HeaderSetter<C> {
    /** Sets header {@code name} to {@code value} on {@code carrier}. */
    void set(C carrier, String name, String value);
  }

  @Override
  public String toString() {
    return "Propagation" + propagator.fields().toString().toLowerCase(Locale.ROOT);
  }
}
