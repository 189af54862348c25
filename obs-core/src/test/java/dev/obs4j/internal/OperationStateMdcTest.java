/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The MDC owner a request's scope claims and gives back (issue 24: every request on a thread paid for a
 * thread-local entry made anew, because the last release removed it).
 */
class OperationStateMdcTest {

  @Test
  void claimAndRelease_ownerAsBefore_andNoAllocationPerRequest() {
    OperationState outer = new OperationState(Span.getInvalid(), "svc", List.of());
    OperationState inner = new OperationState(Span.getInvalid(), "svc", List.of());
    assertThat(outer.ownsMdcOfThisThread()).isFalse();
    OperationState previous = outer.claimMdc();
    assertThat(previous).isNull();
    assertThat(outer.ownsMdcOfThisThread()).isTrue();
    OperationState nested = inner.claimMdc();
    assertThat(nested).isSameAs(outer);
    assertThat(inner.ownsMdcOfThisThread()).isTrue();
    assertThat(outer.ownsMdcOfThisThread()).isFalse();
    OperationState.releaseMdc(nested);
    assertThat(outer.ownsMdcOfThisThread()).isTrue();
    OperationState.releaseMdc(previous);
    assertThat(outer.ownsMdcOfThisThread()).isFalse();
    assertThat(inner.claimMdc()).as("no owner after the last release").isNull();
    OperationState.releaseMdc(null);

    long allocated = 0;
    int n = 100_000;
    for (int round = 0; round < 3; round++) { // the first rounds let the JIT compile
      long before = allocatedBytes();
      for (int i = 0; i < n; i++) {
        OperationState.releaseMdc(outer.claimMdc()); // one request's scope on a thread in no other
      }
      allocated = allocatedBytes() - before;
    }
    assertThat((double) allocated / n).as("bytes per claim and release").isLessThan(1.0);
  }

  static long allocatedBytes() {
    try {
      java.lang.reflect.Method m =
          Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
      return (long) m.invoke(ManagementFactory.getThreadMXBean());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }
}
