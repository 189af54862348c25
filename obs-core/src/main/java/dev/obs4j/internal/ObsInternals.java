/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import dev.obs4j.Obs;
import dev.obs4j.instrument.Operations;
import dev.obs4j.internal.console.ConsoleServer;
import dev.obs4j.trace.Propagation;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reaches the parts of public classes that only obs4j's own modules may use (their constructors, the meter
 * cache), so those parts need not be public API. The public class registers its factory here when it is
 * initialised; the same pattern as the JDK's {@code SharedSecrets}. Java has no "public to my modules only"
 * on the class path, and the module descriptors export this package only to obs4j's modules.
 */
public final class ObsInternals {
  /** Builds an {@code Operations}; registered by {@code Operations} itself. */
  @FunctionalInterface
  public interface OperationsFactory {
    /** See {@code Operations}' fields. */
    Operations create(
        Tracer tracer,
        Propagation propagation,
        MeterRegistry registry,
        MeterCache meters,
        List<String> contextFields,
        String serviceName,
        boolean acceptInboundFields,
        List<String> fieldHosts);
  }

  /** Builds a {@code Propagation}; registered by {@code Propagation} itself. */
  @FunctionalInterface
  public interface PropagationFactory {
    /** Injects with {@code injector}, extracts with {@code extractor}. */
    Propagation create(TextMapPropagator injector, TextMapPropagator extractor);
  }

  /** Reads an {@code Operations}' meter cache; registered by {@code Operations} itself. */
  @FunctionalInterface
  public interface MeterCacheAccess {
    /** The meter cache of {@code operations}. */
    MeterCache meters(Operations operations);
  }

  /** Reads an {@code Obs}' console; registered by {@code Obs} itself. */
  @FunctionalInterface
  public interface ConsoleLookup {
    /** The console of {@code obs}, or null when {@code OBS4J_CONSOLE} is off. */
    @Nullable ConsoleServer console(Obs obs);
  }

  private static volatile @Nullable ConsoleLookup consoleLookup;
  private static volatile @Nullable OperationsFactory operationsFactory;
  private static volatile @Nullable MeterCacheAccess meterCacheAccess;
  private static volatile @Nullable PropagationFactory propagationFactory;

  private ObsInternals() {}

  /** Called once, from {@code Operations}' static initialiser. */
  public static void setOperations(OperationsFactory factory, MeterCacheAccess meters) {
    operationsFactory = Objects.requireNonNull(factory);
    meterCacheAccess = Objects.requireNonNull(meters);
  }

  /** Called once, from {@code Obs}' static initialiser. */
  public static void setConsoleLookup(ConsoleLookup lookup) {
    consoleLookup = Objects.requireNonNull(lookup);
  }

  /** The console of {@code obs} for an adapter to serve, or null when it is off. */
  public static @Nullable ConsoleServer console(Obs obs) {
    // An Obs instance exists, so its class is initialised and the accessor registered.
    return Objects.requireNonNull(consoleLookup).console(obs);
  }

  /** Called once, from {@code Propagation}'s static initialiser. */
  public static void setPropagationFactory(PropagationFactory factory) {
    propagationFactory = Objects.requireNonNull(factory);
  }

  /** A new {@code Operations} (for {@code Obs}). */
  public static Operations newOperations(
      Tracer tracer,
      Propagation propagation,
      MeterRegistry registry,
      List<String> contextFields,
      String serviceName,
      boolean acceptInboundFields,
      List<String> fieldHosts) {
    initialise(Operations.class);
    return Objects.requireNonNull(operationsFactory)
        .create(
            tracer, propagation, registry, new MeterCache(), contextFields, serviceName, acceptInboundFields,
            fieldHosts);
  }

  /** A new {@code Propagation} (for {@code Obs}). */
  public static Propagation newPropagation(TextMapPropagator injector, TextMapPropagator extractor) {
    initialise(Propagation.class);
    return Objects.requireNonNull(propagationFactory).create(injector, extractor);
  }

  /** The meter cache of {@code operations}, where obs4j's integrations keep their per-request meters. */
  public static MeterCache meters(Operations operations) {
    // An Operations instance exists, so its class is initialised and the accessor registered.
    return Objects.requireNonNull(meterCacheAccess).meters(operations);
  }

  private static void initialise(Class<?> type) {
    try {
      Class.forName(type.getName(), true, type.getClassLoader());
    } catch (ClassNotFoundException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
