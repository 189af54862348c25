/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads headers from a carrier: an HTTP request, a message's headers, a map. The one shape every obs4j
 * integration reads trace context through; {@link HeaderSetter} is its writing twin.
 *
 * <p>{@link #get} alone finds every header a propagator asks for by name. Headers whose names are not
 * known in advance (Jaeger's {@code uberctx-*} baggage) are found only when {@link #names} lists the
 * carrier's header names: build such a getter with {@link #of(HeaderGetter, Function)}.
 *
 * <pre>{@code
 * HeaderGetter<Headers> getter = HeaderGetter.of(MyHeaders::first, MyHeaders::names);
 * Context parent = obs.propagation().extract(headers, getter);
 * }</pre>
 *
 * @param <C> the carrier type
 */
@FunctionalInterface
public interface HeaderGetter<C> {
  /**
   * The first value of header {@code name} in {@code carrier}, or null when absent. Propagators ask in
   * lower case; a carrier that matches names exactly is also searched in its own spelling, unless
   * {@link #ignoresCase()} says the lookup ignores case already.
   */
  @Nullable String get(C carrier, String name);

  /** The carrier's header names as it holds them, or null when it cannot list them (the default). */
  default @Nullable Iterable<String> names(C carrier) {
    return null;
  }

  /**
   * Whether {@link #get} ignores case itself (a Servlet request, the JDK server's headers): then a header not
   * found in lower case is not looked for again in the carrier's spelling, which saves a walk over the names.
   * False by default, which is right for every carrier and merely slower for those that ignore case.
   */
  default boolean ignoresCase() {
    return false;
  }

  /** A getter over {@code get} that lists the carrier's header names with {@code names}. */
  static <C> HeaderGetter<C> of(
      HeaderGetter<C> get, Function<? super C, ? extends @Nullable Iterable<String>> names) {
    return listing(get, names, false);
  }

  /** As {@link #of(HeaderGetter, Function)}, for a carrier whose lookup ignores case already. */
  static <C> HeaderGetter<C> ignoringCase(
      HeaderGetter<C> get, Function<? super C, ? extends @Nullable Iterable<String>> names) {
    return listing(get, names, true);
  }

  private static <C> HeaderGetter<C> listing(
      HeaderGetter<C> get, Function<? super C, ? extends @Nullable Iterable<String>> names, boolean ignoresCase) {
    Objects.requireNonNull(get, "get");
    Objects.requireNonNull(names, "names");
    return new HeaderGetter<C>() {
      @Override
      public @Nullable String get(C carrier, String name) {
        return get.get(carrier, name);
      }

      @Override
      public @Nullable Iterable<String> names(C carrier) {
        return names.apply(carrier);
      }

      @Override
      public boolean ignoresCase() {
        return ignoresCase;
      }
    };
  }
}
