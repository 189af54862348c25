/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.demo;

import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import io.jaegertracing.thriftjava.Tag;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** One trace as the Jaeger agent stand-in received it: every span with the service of its batch's process. */
record JaegerTrace(String traceId, List<JaegerTrace.Received> spans) {

  /** A span and the {@code Process.serviceName} of the datagram it came in. */
  record Received(String service, Span span) {
    String name() {
      return span.getOperationName();
    }

    String kind() {
      return tag("span.kind").orElse("internal");
    }

    Optional<String> tag(String key) {
      if (span.getTags() == null) {
        return Optional.empty();
      }
      for (Tag tag : span.getTags()) {
        if (tag.getKey().equals(key)) {
          return Optional.of(
              tag.getVStr() != null ? tag.getVStr() : tag.isSetVLong() ? Long.toString(tag.getVLong()) : String.valueOf(tag.isVBool()));
        }
      }
      return Optional.empty();
    }

    @Override
    public String toString() {
      return service + ":" + kind() + ":" + name() + "#" + Long.toHexString(span.getSpanId()) + "<-" + Long.toHexString(span.getParentSpanId());
    }
  }

  static String traceIdOf(Span span) {
    return String.format("%016x%016x", span.getTraceIdHigh(), span.getTraceIdLow());
  }

  /** The spans of {@code traceId} received so far. */
  static JaegerTrace of(UdpAgent agent, String traceId) {
    List<Received> spans = new ArrayList<>();
    for (Batch batch : agent.batches()) {
      for (Span span : batch.getSpans()) {
        if (traceIdOf(span).equals(traceId)) {
          spans.add(new Received(batch.getProcess().getServiceName(), span));
        }
      }
    }
    return new JaegerTrace(traceId, spans);
  }

  /** Waits until {@code count} spans of {@code traceId} arrived (or the time is up) and returns them. */
  static JaegerTrace await(UdpAgent agent, String traceId, int count, int seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JaegerTrace trace = of(agent, traceId);
    while (trace.spans.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(50);
      trace = of(agent, traceId);
    }
    return trace;
  }

  /** The one span of {@code service} with {@code kind} whose name starts with {@code name}. */
  Received one(String service, String kind, String name) {
    List<Received> found =
        spans.stream()
            .filter(s -> s.service().equals(service) && s.kind().equals(kind) && s.name().startsWith(name))
            .collect(Collectors.toList());
    if (found.size() != 1) {
      throw new AssertionError(
          "expected one " + service + " " + kind + " span named " + name + "..., found " + found + " in " + spans);
    }
    return found.get(0);
  }

  /** Asserts that {@code child}'s parent is {@code parent}. */
  static void assertParent(Received child, Received parent) {
    if (child.span().getParentSpanId() != parent.span().getSpanId()) {
      throw new AssertionError(child + " should be a child of " + parent);
    }
  }
}
