/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.http;

import com.google.protobuf.CodedOutputStream;
import dev.obs4j.testing.GrpcServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Jaeger's sampling manager played by a real gRPC server (obs-core's {@link GrpcServer}): it answers every
 * poll with one probabilistic strategy with per-operation rates, as Jaeger's file-based manager does, so the
 * real {@code jaeger_remote} sampler (OpenTelemetry's {@code JaegerRemoteSampler}) decides each span by the
 * name it has when it starts.
 */
final class SamplingManager implements AutoCloseable {
  /** The name of the spans {@link #awaitApplied} starts to see the strategy in force; always sampled. */
  static final String PROBE = "sampling-probe";

  private final GrpcServer server;

  /** Samples {@code operations} (span name to probability) at their rates, every other span at {@code rate}. */
  SamplingManager(double rate, Map<String, Double> operations) throws IOException {
    Map<String, Double> withProbe = new java.util.LinkedHashMap<>(operations);
    withProbe.put(PROBE, 1.0);
    byte[] answer = strategy(rate, withProbe);
    this.server = new GrpcServer("jaeger.api_v2.SamplingManager", "GetSamplingStrategy", request -> answer);
  }

  /** {@code OTEL_TRACES_SAMPLER_ARG} for a service that polls this manager every 100 ms and samples nothing before. */
  String samplerArgument() {
    return "endpoint=" + server.endpoint() + ",pollingIntervalMs=100,initialSamplingRate=0";
  }

  /**
   * Waits (bounded) until {@code service} samples by the strategy: the strategy keeps spans named
   * {@value #PROBE}, which the initial rate of 0 drops, so the first such span kept shows the answer applied
   * (the sampler polls asynchronously: a second poll alone does not prove the first answer was read). The
   * probe spans are then cleared.
   */
  void awaitApplied(Recorder service) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      service.obs.runInSpan(PROBE, () -> {});
      if (service.spans.getFinishedSpanItems().stream().anyMatch(s -> s.getName().equals(PROBE))) {
        service.spans.reset();
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the sampler did not apply the sampling manager's strategy within 10 s");
  }

  /**
   * A jaeger.api_v2.SamplingStrategyResponse written field by field (the sampler jar's generated classes need
   * a newer protobuf runtime): strategyType=1 PROBABILISTIC, probabilisticSampling=2 {samplingRate=1},
   * operationSampling=4 {defaultSamplingProbability=1, perOperationStrategies=3 {operation=1,
   * probabilisticSampling=2}}.
   */
  private static byte[] strategy(double rate, Map<String, Double> operations) {
    try {
      ByteArrayOutputStream perOperation = new ByteArrayOutputStream();
      CodedOutputStream perOut = CodedOutputStream.newInstance(perOperation);
      perOut.writeDouble(1, rate);
      for (Map.Entry<String, Double> op : operations.entrySet()) {
        perOut.writeByteArray(3, message(out -> {
          out.writeString(1, op.getKey());
          out.writeByteArray(2, message(p -> p.writeDouble(1, op.getValue())));
        }));
      }
      perOut.flush();
      return message(out -> {
        out.writeEnum(1, 0);
        out.writeByteArray(2, message(p -> p.writeDouble(1, rate)));
        out.writeByteArray(4, perOperation.toByteArray());
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer writer) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    writer.write(out);
    out.flush();
    return bytes.toByteArray();
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
  }
}
