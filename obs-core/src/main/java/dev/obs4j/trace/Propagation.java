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
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
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
  private final TextMapPropagator propagator;
  private final TextMapPropagator extractor;
  private final TextMapGetter<Map<String, String>> mapGetter = caseSensitiveGetter(Map::get, Map::keySet);

  /** Injects and extracts with {@code propagator}; obs4j users get theirs from {@code Obs.propagation()}. */
  public Propagation(TextMapPropagator propagator) {
    this(propagator, propagator);
  }

  /**
   * Injects with {@code injector} and extracts with {@code extractor}: obs4j writes the formats configured
   * in {@code OTEL_PROPAGATORS} but reads every format it knows, so that a caller in any of them keeps its
   * trace.
   */
  public Propagation(TextMapPropagator injector, TextMapPropagator extractor) {
    this.propagator = Objects.requireNonNull(injector, "injector");
    this.extractor = Objects.requireNonNull(extractor, "extractor");
  }

  /** The composite OpenTelemetry propagator that writes outgoing headers. */
  public TextMapPropagator propagator() {
    return propagator;
  }

  /** The propagator that reads incoming headers. */
  public TextMapPropagator extractor() {
    return extractor;
  }

  /** The header (or field) names this propagation writes, in lower case. */
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
    inject(context, carrier, setter, true);
  }

  /**
   * As {@link #inject(Context, Object, HeaderSetter)}; without {@code businessFields}, the fields that
   * {@code OBS4J_CONTEXT_FIELDS} names are left out of the baggage (for a host that must not see them).
   */
  public <C> void inject(Context context, C carrier, HeaderSetter<? super C> setter, boolean businessFields) {
    Objects.requireNonNull(setter, "setter");
    try {
      propagator.inject(
          businessFields ? withBusinessFields(context) : withoutBusinessFields(context),
          carrier,
          (TextMapSetter<C>)
              (c, key, value) -> {
                if (c == null || hasControlCharacters(value)) {
                  return;
                }
                try {
                  setter.set(c, key, value);
                } catch (RuntimeException refused) {
                  // A carrier that refuses one header (a non-ASCII value, say) still gets the others, and
                  // the caller never fails because of it.
                }
              });
    } catch (RuntimeException ignored) {
      // A propagator that fails must not fail the caller.
    }
  }

  /** The context without the business fields in its baggage, whether set here or arrived as baggage. */
  private Context withoutBusinessFields(Context context) {
    Baggage baggage = Baggage.fromContext(context);
    OperationState state = OperationState.fromContext(context);
    if (baggage.isEmpty() || state == null) {
      return context;
    }
    BaggageBuilder builder = baggage.toBuilder();
    state.contextFields().forEach(builder::remove);
    state.fields().keySet().forEach(builder::remove);
    return context.with(builder.build());
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
    return extract(Context.current(), headers, mapGetter);
  }

  /**
   * Reads a context from {@code carrier} through {@code getter}, which returns the first value of a header
   * or null, on top of the current context. Without the carrier's header names, Jaeger's {@code uberctx-*}
   * baggage cannot be found: prefer {@link #extract(Object, BiFunction, Function)}.
   */
  public <C> Context extract(C carrier, BiFunction<? super C, String, @Nullable String> getter) {
    return extract(carrier, getter, c -> null);
  }

  /**
   * Reads a context from {@code carrier} through {@code getter}, which returns the first value of a header
   * or null, and {@code names}, which lists the carrier's header names, on top of the current context.
   */
  public <C> Context extract(
      C carrier,
      BiFunction<? super C, String, @Nullable String> getter,
      Function<? super C, ? extends @Nullable Iterable<String>> names) {
    return extract(Context.current(), carrier, caseSensitiveGetter(getter, names));
  }

  /**
   * An OpenTelemetry getter over a carrier whose lookup is case-insensitive already (a Servlet request, the
   * JDK server's headers): {@code names} lists the header names as the carrier holds them (Jaeger's
   * {@code uberctx-*} baggage is found only by listing them), offered in lower case; {@code getter} returns
   * the first value of a header, or null.
   */
  public static <C> TextMapGetter<C> getter(
      BiFunction<? super C, String, @Nullable String> getter,
      Function<? super C, ? extends @Nullable Iterable<String>> names) {
    return getter(getter, names, false);
  }

  /**
   * As {@link #getter(BiFunction, Function)}, for a carrier whose lookup matches names exactly (Kafka and
   * RabbitMQ headers, a map): a value not found under the lower-case name is looked up under the carrier's
   * own spelling. That scan costs a walk over the names per missing header, which is why carriers that match
   * names case-insensitively themselves use the other getter.
   */
  public static <C> TextMapGetter<C> caseSensitiveGetter(
      BiFunction<? super C, String, @Nullable String> getter,
      Function<? super C, ? extends @Nullable Iterable<String>> names) {
    return getter(getter, names, true);
  }

  private static <C> TextMapGetter<C> getter(
      BiFunction<? super C, String, @Nullable String> getter,
      Function<? super C, ? extends @Nullable Iterable<String>> names,
      boolean scanOnMiss) {
    Objects.requireNonNull(getter, "getter");
    Objects.requireNonNull(names, "names");
    return new TextMapGetter<C>() {
      @Override
      public Iterable<String> keys(C c) {
        Iterable<String> own = c == null ? null : names.apply(c);
        if (own == null) {
          return List.of();
        }
        // Lower-cased as they are read, without a copy: only Jaeger's propagator walks them, on every
        // request (toLowerCase returns the same string when it is lower-case already).
        return () -> {
          Iterator<String> it = own.iterator();
          return new Iterator<String>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public String next() {
              String name = it.next();
              return name == null ? "" : name.toLowerCase(Locale.ROOT);
            }
          };
        };
      }

      @Override
      public @Nullable String get(@Nullable C c, String key) {
        if (c == null) {
          return null;
        }
        String value = getter.apply(c, key);
        if (value == null && scanOnMiss) {
          Iterable<String> own = names.apply(c);
          if (own != null) {
            for (String name : own) {
              if (name != null && !name.equals(key) && name.equalsIgnoreCase(key)) {
                return getter.apply(c, name);
              }
            }
          }
        }
        return value;
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
      return extractor.extract(parent, carrier, new SafeGetter<>(getter));
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
    return "Propagation{inject " + propagator.fields() + ", extract " + extractor.fields() + "}";
  }
}
