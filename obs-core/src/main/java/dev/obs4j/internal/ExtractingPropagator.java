/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.propagation.W3CBaggagePropagator;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Reads trace context in every accepted format with a fixed precedence,
 * instead of OpenTelemetry's composite, where the last propagator that finds a parent wins and each
 * baggage propagator replaces the baggage before it. The parent is the first valid one of the trace
 * formats in the order given (obs4j: {@code traceparent}, then {@code uber-trace-id}, then B3); baggage is
 * merged: the entries of every baggage format are kept, W3C {@code baggage} winning a key that two formats
 * carry. Extract only: injecting is the configured composite's job.
 */
public final class ExtractingPropagator implements TextMapPropagator {
  /** Each propagator once, so one that carries both (Jaeger) reads the carrier once per request. */
  private final TextMapPropagator[] formats;
  /** Indexes into {@link #formats}: trace formats by precedence; baggage formats, least trusted first. */
  private final int[] traceOrder;
  private final int[] baggageOrder;
  private final Set<String> fields = new LinkedHashSet<>();
  /**
   * Per format, headers of which at least one must be there for it to find anything, or null to read it
   * always: for the formats whose extract allocates when nothing is there (B3 builds a log message for the
   * missing {@code X-B3-TraceId}, W3C baggage an empty baggage and a context), so that a request without
   * them pays nothing (issue 24).
   */
  private final @Nullable String[][] needsOneOf;
  /** The format in both lists (Jaeger), or -1; {@link #sharedFormats} how many formats are. */
  private final int sharedFormat;
  private final int sharedFormats;

  /**
   * {@code traceFormats} in order of precedence; {@code baggageFormats} from the least to the most trusted
   * (later ones win a key). A propagator may be in both lists (Jaeger carries both).
   */
  public ExtractingPropagator(List<TextMapPropagator> traceFormats, List<TextMapPropagator> baggageFormats) {
    List<TextMapPropagator> distinct = new ArrayList<>();
    this.traceOrder = indexes(traceFormats, distinct);
    this.baggageOrder = indexes(baggageFormats, distinct);
    this.formats = distinct.toArray(new TextMapPropagator[0]);
    distinct.forEach(p -> fields.addAll(p.fields()));
    int shared = -1;
    int sharedCount = 0;
    for (int t : traceOrder) {
      for (int b : baggageOrder) {
        if (t == b) {
          shared = t;
          sharedCount++;
        }
      }
    }
    this.sharedFormat = shared;
    this.sharedFormats = sharedCount;
    this.needsOneOf = new String[formats.length][];
    for (int i = 0; i < formats.length; i++) {
      needsOneOf[i] = needsOneOf(formats[i]);
    }
  }

  /**
   * The headers without which {@code format} finds nothing, for the formats that allocate even then:
   * B3 single ({@code b3}) or multi (it gives up without {@code X-B3-TraceId}); W3C {@code baggage}.
   */
  private static String @Nullable [] needsOneOf(TextMapPropagator format) {
    if (format instanceof B3Propagator) {
      return new String[] {"b3", "X-B3-TraceId"};
    }
    if (format instanceof W3CBaggagePropagator) {
      return new String[] {"baggage"};
    }
    return null;
  }

  private static int[] indexes(List<TextMapPropagator> wanted, List<TextMapPropagator> distinct) {
    int[] out = new int[wanted.size()];
    for (int i = 0; i < out.length; i++) {
      int at = distinct.indexOf(wanted.get(i));
      if (at < 0) {
        distinct.add(wanted.get(i));
        at = distinct.size() - 1;
      }
      out[i] = at;
    }
    return out;
  }

  @Override
  public Collection<String> fields() {
    return fields;
  }

  @Override
  public <C> void inject(Context context, @Nullable C carrier, TextMapSetter<C> setter) {
    // extract only
  }

  @Override
  public <C> Context extract(Context context, @Nullable C carrier, TextMapGetter<C> getter) {
    // A format in both lists (Jaeger) is read once: kept in a local when it is the only one, which spares an
    // array per request (issue 24); in an array when there are several.
    Context[] read = sharedFormats > 1 ? new Context[formats.length] : null;
    Context sharedRead = null;
    Context result = context;
    for (int i : traceOrder) {
      Context found = read(i, read, carrier, getter);
      if (i == sharedFormat) {
        sharedRead = found;
      }
      SpanContext parent = Span.fromContext(found).getSpanContext();
      if (parent.isValid()) {
        result = result.with(Span.wrap(parent));
        break;
      }
    }
    BaggageBuilder merged = null;
    for (int i : baggageOrder) {
      Baggage baggage = Baggage.fromContext(
          i == sharedFormat && sharedRead != null ? sharedRead : read(i, read, carrier, getter));
      if (!baggage.isEmpty()) {
        if (merged == null) {
          merged = Baggage.fromContext(context).toBuilder();
        }
        BaggageBuilder into = merged;
        baggage.forEach((key, entry) -> {
          // A header with a control character is ignored whole, but W3C baggage percent-decodes its values
          // (found by PropagationFuzzTest: "%00" became NUL): such an entry is dropped here, so that it
          // reaches neither a span, a log line nor the next hop.
          if (!HeaderValues.hasControlCharacters(key) && !HeaderValues.hasControlCharacters(entry.getValue())) {
            into.put(key, entry.getValue(), entry.getMetadata());
          }
        });
      }
    }
    return merged == null ? result : result.with(merged.build());
  }

  private <C> Context read(int format, Context @Nullable [] read, @Nullable C carrier, TextMapGetter<C> getter) {
    if (read == null) {
      return extract(format, carrier, getter);
    }
    Context context = read[format];
    if (context == null) {
      context = extract(format, carrier, getter);
      read[format] = context;
    }
    return context;
  }

  /** What {@code format} finds: without any of its headers nothing, neither a parent nor baggage, as the root. */
  private <C> Context extract(int format, @Nullable C carrier, TextMapGetter<C> getter) {
    return absent(needsOneOf[format], formats[format] instanceof W3CBaggagePropagator, carrier, getter)
        ? Context.root()
        : formats[format].extract(Context.root(), carrier, getter);
  }

  /** Whether none of {@code headers} is there, asked as the format asks (W3C baggage: every value). */
  private static <C> boolean absent(
      String @Nullable [] headers, boolean all, @Nullable C carrier, TextMapGetter<C> getter) {
    if (headers == null) {
      return false;
    }
    for (String header : headers) {
      if (all) {
        java.util.Iterator<String> values = getter.getAll(carrier, header);
        if (values != null && values.hasNext()) {
          return false;
        }
      } else if (getter.get(carrier, header) != null) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "ExtractingPropagator" + fields;
  }
}
