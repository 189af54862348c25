/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Why a server call was cancelled, read from grpc-java's call context. The contract tests see the server's
 * own deadline fire; this covers the race they cannot steer: the client's cancel (sent when its deadline
 * passed) arriving just before the server's copy of the deadline expires.
 */
class CancelStatusTest {
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private Context.CancellableContext call(long deadlineMillis) {
    return Context.ROOT.withDeadline(Deadline.after(deadlineMillis, TimeUnit.MILLISECONDS), timer);
  }

  @Test
  void clientCancel_justBeforeTheDeadline_isDeadlineExceeded() {
    Context.CancellableContext context = call(10);
    context.cancel(Status.CANCELLED.withDescription("RST_STREAM").asRuntimeException());
    assertThat(ObsServerInterceptor.cancelStatus(context).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }

  @Test
  void clientCancel_longBeforeTheDeadline_isCancelled() {
    Context.CancellableContext context = call(10_000);
    context.cancel(Status.CANCELLED.withDescription("RST_STREAM").asRuntimeException());
    assertThat(ObsServerInterceptor.cancelStatus(context).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void clientCancel_withoutDeadline_isCancelled() {
    Context.CancellableContext context = Context.ROOT.withCancellation();
    context.cancel(null);
    assertThat(ObsServerInterceptor.cancelStatus(context).getCode()).isEqualTo(Status.Code.CANCELLED);
  }

  @Test
  void theServersOwnDeadline_isDeadlineExceeded() throws Exception {
    Context.CancellableContext context = call(1);
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!context.isCancelled() && System.nanoTime() < until) {
      Thread.sleep(1);
    }
    assertThat(ObsServerInterceptor.cancelStatus(context).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
  }
}
