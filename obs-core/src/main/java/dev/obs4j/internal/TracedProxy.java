/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import dev.obs4j.internal.logs.LogCorrelation;
import dev.obs4j.trace.SpanErrors;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.instrumentation.annotations.SpanAttribute;
import io.opentelemetry.instrumentation.annotations.WithSpan;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Proxy;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. A dynamic proxy that honours OpenTelemetry's {@link WithSpan} and
 * {@link SpanAttribute} on an interface or on its implementation, without an agent: a span per annotated
 * call, current while the call runs; exceptions recorded and rethrown unchanged; a returned
 * {@link CompletionStage} ends its span when it completes. Methods without {@code @WithSpan} are plain calls.
 */
public final class TracedProxy implements InvocationHandler {
  private static final MethodPlan UNTRACED =
      new MethodPlan("", SpanKind.INTERNAL, true, new AttributeKey<?>[0]);

  private final Object target;
  private final Tracer tracer;
  private final String serviceName;
  private final String className;
  private final ConcurrentMap<Method, MethodPlan> plans = new ConcurrentHashMap<>();

  private TracedProxy(Object target, Tracer tracer, String serviceName, Class<?> iface) {
    this.target = target;
    this.tracer = tracer;
    this.serviceName = serviceName;
    Class<?> type = target.getClass();
    this.className =
        type.isAnonymousClass() || type.isSynthetic() || type.isHidden() || type.getSimpleName().isEmpty()
            ? iface.getSimpleName()
            : type.getSimpleName();
  }

  public static <T> T create(Class<T> iface, T target, Tracer tracer, String serviceName) {
    Objects.requireNonNull(iface, "iface");
    Objects.requireNonNull(target, "target");
    if (!iface.isInterface()) {
      throw new IllegalArgumentException(iface.getName() + " is not an interface");
    }
    Object proxy =
        Proxy.newProxyInstance(
            iface.getClassLoader(), new Class<?>[] {iface}, new TracedProxy(target, tracer, serviceName, iface));
    return iface.cast(proxy);
  }

  @Override
  public @Nullable Object invoke(Object proxy, Method method, @Nullable Object @Nullable [] args)
      throws Throwable {
    if (method.getDeclaringClass() == Object.class) {
      switch (method.getName()) {
        case "equals":
          return args != null && proxy == args[0];
        case "hashCode":
          return System.identityHashCode(proxy);
        default:
          return "Traced(" + target + ")";
      }
    }
    MethodPlan plan = plans.computeIfAbsent(method, this::plan);
    if (plan == UNTRACED) {
      return call(method, args);
    }
    SpanBuilder builder = tracer.spanBuilder(plan.name).setSpanKind(plan.kind);
    if (!plan.inheritContext) {
      builder.setNoParent();
    }
    if (args != null) {
      for (int i = 0; i < plan.attributes.length; i++) {
        AttributeKey<?> key = plan.attributes[i];
        if (key != null && args[i] != null) {
          setAttribute(builder, key, args[i]);
        }
      }
    }
    Span span = builder.startSpan();
    Object result;
    try (Scope ignored = LogCorrelation.makeCurrent(span, serviceName)) {
      result = call(method, args);
    } catch (Throwable t) {
      SpanErrors.record(span, t);
      span.end();
      throw t;
    }
    if (result instanceof CompletionStage) {
      ((CompletionStage<?>) result)
          .whenComplete(
              (value, error) -> {
                if (error != null) {
                  SpanErrors.record(span, error);
                }
                span.end();
              });
    } else {
      span.end();
    }
    return result;
  }

  private @Nullable Object call(Method method, @Nullable Object @Nullable [] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause() == null ? e : e.getCause();
    }
  }

  @SuppressWarnings("unchecked")
  private static void setAttribute(SpanBuilder builder, AttributeKey<?> key, Object value) {
    switch (key.getType()) {
      case LONG:
        builder.setAttribute((AttributeKey<Long>) key, ((Number) value).longValue());
        break;
      case DOUBLE:
        builder.setAttribute((AttributeKey<Double>) key, ((Number) value).doubleValue());
        break;
      case BOOLEAN:
        builder.setAttribute((AttributeKey<Boolean>) key, (Boolean) value);
        break;
      default:
        builder.setAttribute((AttributeKey<String>) key, String.valueOf(value));
    }
  }

  private MethodPlan plan(Method method) {
    // A package-private interface is legal to proxy; let reflection call through it.
    method.trySetAccessible();
    Method implementation = implementationOf(method);
    WithSpan withSpan = method.getAnnotation(WithSpan.class);
    if (withSpan == null && implementation != null) {
      withSpan = implementation.getAnnotation(WithSpan.class);
    }
    if (withSpan == null) {
      return UNTRACED;
    }
    String name =
        withSpan.value().isEmpty() ? className + "." + method.getName() : withSpan.value();
    Parameter[] parameters = method.getParameters();
    AttributeKey<?>[] attributes = new AttributeKey<?>[parameters.length];
    for (int i = 0; i < parameters.length; i++) {
      SpanAttribute annotation = parameters[i].getAnnotation(SpanAttribute.class);
      Parameter named = parameters[i];
      if (annotation == null && implementation != null) {
        named = implementation.getParameters()[i];
        annotation = named.getAnnotation(SpanAttribute.class);
      }
      if (annotation == null) {
        continue;
      }
      String key = annotation.value();
      if (key.isEmpty()) {
        if (!named.isNamePresent()) {
          continue; // compiled without -parameters: no name to use
        }
        key = named.getName();
      }
      attributes[i] = keyFor(key, parameters[i].getType());
    }
    return new MethodPlan(name, withSpan.kind(), withSpan.inheritContext(), attributes);
  }

  private @Nullable Method implementationOf(Method method) {
    try {
      return target.getClass().getMethod(method.getName(), method.getParameterTypes());
    } catch (NoSuchMethodException | SecurityException e) {
      return null;
    }
  }

  private static AttributeKey<?> keyFor(String key, Class<?> type) {
    if (type == long.class || type == int.class || type == short.class || type == byte.class
        || type == Long.class || type == Integer.class || type == Short.class || type == Byte.class) {
      return AttributeKey.longKey(key);
    }
    if (type == double.class || type == float.class || type == Double.class || type == Float.class) {
      return AttributeKey.doubleKey(key);
    }
    if (type == boolean.class || type == Boolean.class) {
      return AttributeKey.booleanKey(key);
    }
    return AttributeKey.stringKey(key);
  }

  private static final class MethodPlan {
    final String name;
    final SpanKind kind;
    final boolean inheritContext;
    final @Nullable AttributeKey<?>[] attributes;

    MethodPlan(String name, SpanKind kind, boolean inheritContext, @Nullable AttributeKey<?>[] attributes) {
      this.name = name;
      this.kind = kind;
      this.inheritContext = inheritContext;
      this.attributes = attributes;
    }
  }
}
