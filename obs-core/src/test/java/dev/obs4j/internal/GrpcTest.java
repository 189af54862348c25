/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import dev.obs4j.Obs;
import dev.obs4j.testing.GrpcServer;
import dev.obs4j.testing.SpanRecorder;
import dev.obs4j.testing.TestObs;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * OTLP over gRPC and Jaeger remote sampling, with the OkHttp sender a user adds for gRPC, against a real
 * gRPC server that decodes the requests with the protocols' own generated classes.
 */
class GrpcTest {

  @Test
  void otlpGrpc_deliversSpansACollectorDecodes() throws Exception {
    try (GrpcServer collector =
        new GrpcServer(
            "opentelemetry.proto.collector.trace.v1.TraceService",
            "Export",
            request -> ExportTraceServiceResponse.getDefaultInstance().toByteArray())) {
      try (Obs obs =
          TestObs.builder("grpc-service")
              .tracesExporter("otlp")
              .otlpProtocol("grpc")
              .otlpEndpoint(collector.endpoint())
              .build()) {
        obs.inSpan("handle", SpanKind.SERVER, () -> obs.inSpan("query", SpanKind.CLIENT, () -> 1));
      }
      List<Span> spans =
          collector.requests().stream()
              .map(GrpcTest::parse)
              .flatMap(r -> r.getResourceSpansList().stream())
              .flatMap(rs -> rs.getScopeSpansList().stream())
              .flatMap(ss -> ss.getSpansList().stream())
              .toList();
      assertThat(spans).extracting(Span::getName).containsExactlyInAnyOrder("handle", "query");
      Span handle = spans.stream().filter(s -> s.getName().equals("handle")).findFirst().orElseThrow();
      Span query = spans.stream().filter(s -> s.getName().equals("query")).findFirst().orElseThrow();
      assertThat(query.getParentSpanId()).isEqualTo(handle.getSpanId());
    }
  }

  private static ExportTraceServiceRequest parse(byte[] bytes) {
    try {
      return ExportTraceServiceRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** Field 1 of jaeger.api_v2.SamplingStrategyParameters. */
  private static String serviceName(byte[] request) throws Exception {
    CodedInputStream in = CodedInputStream.newInstance(request);
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == 1) {
        return in.readString();
      }
      in.skipField(tag);
    }
    return "";
  }

  @Test
  void jaegerRemoteSampler_asksForTheServicesStrategy_andAppliesIt() throws Exception {
    // jaeger.api_v2.SamplingStrategyResponse{strategyType=PROBABILISTIC(0), probabilisticSampling{rate=0}},
    // written field by field: the sampler jar's generated classes need a newer protobuf runtime.
    ByteArrayOutputStream rate = new ByteArrayOutputStream();
    CodedOutputStream rateOut = CodedOutputStream.newInstance(rate);
    rateOut.writeDouble(1, 0.0);
    rateOut.flush();
    ByteArrayOutputStream response = new ByteArrayOutputStream();
    CodedOutputStream responseOut = CodedOutputStream.newInstance(response);
    responseOut.writeEnum(1, 0);
    responseOut.writeByteArray(2, rate.toByteArray());
    responseOut.flush();
    byte[] sampleNothing = response.toByteArray();
    try (GrpcServer manager =
            new GrpcServer("jaeger.api_v2.SamplingManager", "GetSamplingStrategy", request -> sampleNothing);
        SpanRecorder recorder =
            new SpanRecorder(
                TestObs.builder("remote-sampled")
                    .sampler(
                        "jaeger_remote",
                        "endpoint=" + manager.endpoint() + ",pollingIntervalMs=100,initialSamplingRate=1"))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (manager.requests().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(manager.requests()).isNotEmpty();
      assertThat(serviceName(manager.requests().get(0))).isEqualTo("remote-sampled");
      // The answer is applied when the sampler's asynchronous call completes, which a loaded machine delays:
      // wait (bounded) until a probe span is no longer sampled, instead of sleeping a fixed time.
      boolean applied = false;
      while (!applied && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(10)) {
        io.opentelemetry.api.trace.Span probe = recorder.obs.tracer().spanBuilder("probe").startSpan();
        applied = !probe.getSpanContext().isSampled();
        probe.end();
        if (!applied) {
          Thread.sleep(20);
        }
      }
      assertThat(applied).as("the strategy's rate 0 is applied within 20 s").isTrue();
      int before = recorder.spans().size(); // probes sampled at the initial rate, before the answer applied
      for (int i = 0; i < 100; i++) {
        recorder.obs.runInSpan("root", () -> {});
      }
      assertThat(recorder.spans()).hasSize(before); // the initial rate of 1 would have sampled all
    }
  }
}
