/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.trace;

import dev.obs4j.internal.HeaderValues;
import dev.obs4j.internal.ObsInternals;
import dev.obs4j.internal.OperationState;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>Any other carrier is read through a {@link HeaderGetter} and written through a {@link HeaderSetter}.
 */
public final class Propagation {
  static {
    ObsInternals.setPropagationFactory(Propagation::new);
  }

  private final TextMapPropagator propagator;
  private final TextMapPropagator extractor;
  private static final HeaderGetter<Map<String, String>> MAP_GETTER = HeaderGetter.of(Map::get, Map::keySet);

  /**
   * Injects with {@code injector} and extracts with {@code extractor}: obs4j writes the formats configured
   * in {@code OTEL_PROPAGATORS} but reads every format it knows, so that a caller in any of them keeps its
   * trace. Built by {@code Obs}; users get theirs from {@code obs.propagation()}.
   */
  private Propagation(TextMapPropagator injector, TextMapPropagator extractor) {
    this.propagator = Objects.requireNonNull(injector, "injector");
    this.extractor = Objects.requireNonNull(extractor, "extractor");
  }

  /** The composite OpenTelemetry propagator that writes outgoing headers, for code that speaks OpenTelemetry. */
  public TextMapPropagator propagator() {
    return propagator;
  }

  /** The OpenTelemetry propagator that reads incoming headers, for code that speaks OpenTelemetry. */
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
    return extract(Context.current(), headers, MAP_GETTER);
  }

  /** Reads a context from {@code carrier} through {@code getter}, on top of the current context. */
  public <C> Context extract(C carrier, HeaderGetter<? super C> getter) {
    return extract(Context.current(), carrier, getter);
  }

  /**
   * Reads a context from {@code carrier} through {@code getter}, on top of {@code parent}; a malformed
   * header yields {@code parent} unchanged. A header value holding a control character (CR, LF, NUL ...) is
   * ignored whole, so that it can never be copied into an outgoing header.
   */
  public <C> Context extract(Context parent, C carrier, HeaderGetter<? super C> getter) {
    Objects.requireNonNull(getter, "getter");
    try {
      return extractor.extract(parent, carrier, new GetterAdapter<C>(getter));
    } catch (RuntimeException e) {
      return parent;
    }
  }

  /** True for values no header may carry: ASCII control characters other than tab. */
  static boolean hasControlCharacters(String value) {
    return HeaderValues.hasControlCharacters(value);
  }

  /**
   * OpenTelemetry's getter over a {@link HeaderGetter}: names offered in lower case, values with control
   * characters dropped, and, for a carrier that matches names exactly, a name not found in lower case looked
   * up again in the carrier's own spelling.
   */
  private static final class GetterAdapter<C> implements TextMapGetter<C> {
    /** Header names not in lower case, and their lower case; bounded, so random names cannot grow it. */
    private static final ConcurrentHashMap<String, String> LOWER_CASE = new ConcurrentHashMap<>();
    private static final int LOWER_CASE_LIMIT = 1_024;

    private final HeaderGetter<? super C> getter;

    GetterAdapter(HeaderGetter<? super C> getter) {
      this.getter = getter;
    }

    /**
     * Only the names a propagator can find by listing alone, lower-cased: those Jaeger's propagator looks for
     * ({@code uberctx-*} baggage and {@code jaeger-baggage}, in any spelling), in the carrier's order. Every
     * other header the extractor's propagators ask for by name, so the rest of the names would only be walked
     * and lower-cased for nothing on every request (issue 24): one pass here, with no lower-case copy and no
     * allocation when none of them is there, which is nearly always.
     */
    @Override
    public Iterable<String> keys(C carrier) {
      Iterable<String> own = carrier == null ? null : getter.names(carrier);
      if (own == null) {
        return List.of();
      }
      List<String> listedOnly = null;
      for (String name : own) {
        if (name != null && listedOnly(name)) {
          if (listedOnly == null) {
            listedOnly = new ArrayList<>(4);
          }
          listedOnly.add(lowerCase(name));
        }
      }
      return listedOnly == null ? List.of() : listedOnly;
    }

    /**
     * Whether {@code name} lower-cased starts with {@code uberctx-} or is {@code jaeger-baggage}, what
     * Jaeger's propagator compares the listed names with; compared ignoring case, without a copy.
     */
    static boolean listedOnly(String name) {
      return name.regionMatches(true, 0, JAEGER_BAGGAGE_PREFIX, 0, JAEGER_BAGGAGE_PREFIX.length())
          || name.equalsIgnoreCase(JAEGER_BAGGAGE_HEADER);
    }

    private static final String JAEGER_BAGGAGE_PREFIX = "uberctx-";
    private static final String JAEGER_BAGGAGE_HEADER = "jaeger-baggage";

    /**
     * {@code name} in lower case, without a new string per request for the names servers hand over in the
     * client's spelling ({@code User-Agent}): those seen before come from a bounded map (issue 24: Jaeger's
     * propagator walks every name of every request, and a copy of each was most of what that walk allocated).
     */
    static String lowerCase(String name) {
      String lower = LOWER_CASE.get(name);
      if (lower != null) {
        return lower;
      }
      lower = name.toLowerCase(Locale.ROOT); // the same string when it is lower-case already
      if (lower != name && LOWER_CASE.size() < LOWER_CASE_LIMIT) {
        LOWER_CASE.put(name, lower);
      }
      return lower;
    }

    @Override
    public @Nullable String get(@Nullable C carrier, String key) {
      if (carrier == null) {
        return null;
      }
      String value = getter.get(carrier, key);
      if (value == null && !getter.ignoresCase()) {
        Iterable<String> own = getter.names(carrier);
        if (own != null) {
          for (String name : own) {
            if (name != null && !name.equals(key) && name.equalsIgnoreCase(key)) {
              value = getter.get(carrier, name);
              break;
            }
          }
        }
      }
      return value == null || hasControlCharacters(value) ? null : value;
    }
  }

  @Override
  public String toString() {
    return "Propagation{inject " + propagator.fields() + ", extract " + extractor.fields() + "}";
  }
}
