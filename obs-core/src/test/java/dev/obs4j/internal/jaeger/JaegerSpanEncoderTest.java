/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.jaeger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.obs4j.internal.SelfMetrics;
import dev.obs4j.testing.UdpAgent;
import io.jaegertracing.thriftjava.Batch;
import io.jaegertracing.thriftjava.Span;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.testing.trace.TestSpanData;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.thrift.protocol.TCompactProtocol;
import org.apache.thrift.transport.TMemoryBuffer;
import org.apache.thrift.transport.TMemoryInputTransport;
import org.junit.jupiter.api.Test;

/**
 * The hand-written Thrift compact encoder against the Thrift object graph it replaces: for every span shape,
 * the bytes {@link JaegerSpanEncoder} writes are the bytes jaeger-thrift's generated {@code Span} writes
 * through libthrift's {@link TCompactProtocol} for {@link JaegerThriftMapper#toSpan}, and they decode, with
 * the generated classes, to an equal {@code Span}. The exporter's datagrams, read back with the generated
 * {@code Agent.emitBatch_args} as the agent reads them, hold exactly those spans, in order, split as before.
 */
class JaegerSpanEncoderTest {
  private static final SpanContext REMOTE_PARENT =
      SpanContext.createFromRemoteParent(
          "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());
  private static final SpanContext LINKED =
      SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", TraceFlags.getSampled(),
          TraceState.getDefault());
  // the top bit set in both halves and in the span id: unsigned parsing, negative longs on the wire
  private static final SpanContext HIGH_BITS =
      SpanContext.create("f0000000000000018000000000000002", "fedcba9876543210", TraceFlags.getDefault(),
          TraceState.getDefault());

  private static byte[] viaThriftObjects(SpanData span) throws Exception {
    TMemoryBuffer buffer = new TMemoryBuffer(256);
    JaegerThriftMapper.toSpan(span).write(new TCompactProtocol(buffer));
    byte[] out = new byte[buffer.length()];
    System.arraycopy(buffer.getArray(), 0, out, 0, out.length);
    return out;
  }

  private static byte[] viaEncoder(JaegerSpanEncoder encoder, SpanData span) {
    int start = encoder.size();
    encoder.writeSpan(span);
    byte[] out = new byte[encoder.size() - start];
    System.arraycopy(encoder.buffer(), start, out, 0, out.length);
    return out;
  }

  private static Span decode(byte[] bytes) throws Exception {
    Span span = new Span();
    span.read(new TCompactProtocol(new TMemoryInputTransport(bytes)));
    return span;
  }

  private static void assertSameAsThriftObjects(JaegerSpanEncoder encoder, SpanData span) throws Exception {
    byte[] expected = viaThriftObjects(span);
    byte[] actual = viaEncoder(encoder, span);
    // as the agent reads both; as text, because the generated equals() finds a NaN tag unequal to itself
    assertThat(decode(actual).toString()).as("decoded span '%s'", span.getName())
        .isEqualTo(decode(expected).toString());
    assertThat(actual).as("bytes of span '%s'", span.getName()).isEqualTo(expected);
  }

  private static SpanData sdkSpan(SpanLimits limits, String scopeVersion, SpanKind kind, Consumer<io.opentelemetry.api.trace.SpanBuilder> before,
      Consumer<io.opentelemetry.api.trace.Span> body) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder().setSpanLimits(limits).addSpanProcessor(SimpleSpanProcessor.create(memory)).build()) {
      var tracerBuilder = provider.tracerBuilder("dev.example.orders");
      if (scopeVersion != null) {
        tracerBuilder.setInstrumentationVersion(scopeVersion);
      }
      io.opentelemetry.api.trace.SpanBuilder builder = tracerBuilder.build().spanBuilder("work").setSpanKind(kind);
      before.accept(builder);
      io.opentelemetry.api.trace.Span span = builder.startSpan();
      body.accept(span);
      span.end();
      return memory.getFinishedSpanItems().get(0);
    }
  }

  /** Span shapes: every tag type, every kind and status, logs, references, limits, odd strings. */
  static List<SpanData> shapes() {
    List<SpanData> shapes = new ArrayList<>();
    SpanLimits defaults = SpanLimits.getDefault();
    shapes.add(sdkSpan(defaults, "2.1.0", SpanKind.INTERNAL, b -> {}, s -> {}));
    shapes.add(sdkSpan(defaults, null, SpanKind.SERVER, b -> {}, s -> {}));
    for (SpanKind kind : SpanKind.values()) {
      shapes.add(sdkSpan(defaults, "1", kind, b -> b.setParent(Context.root().with(io.opentelemetry.api.trace.Span.wrap(REMOTE_PARENT))), s -> {}));
    }
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> {
      s.setAttribute("http.request.method", "GET");
      s.setAttribute("http.route", "/orders/{id}");
      s.setAttribute("url.path", "/orders/17");
      s.setAttribute("http.response.status_code", 200L);
      s.setAttribute("flag.true", true);
      s.setAttribute("flag.false", false);
      s.setAttribute("zero", 0L);
      s.setAttribute("negative", -1L);
      s.setAttribute("min", Long.MIN_VALUE);
      s.setAttribute("max", Long.MAX_VALUE);
      s.setAttribute("small", 63L);
      s.setAttribute("edge", 64L);
      s.setAttribute("pi", Math.PI);
      s.setAttribute("negzero", -0.0d);
      s.setAttribute("nan", Double.NaN);
      s.setAttribute("inf", Double.NEGATIVE_INFINITY);
      s.setAttribute("empty", "");
      s.setAttribute(AttributeKey.stringArrayKey("names"), List.of("a\"b", "c\\d", "e\nf", "é"));
      s.setAttribute(AttributeKey.longArrayKey("ids"), List.of(1L, -2L));
      s.setAttribute(AttributeKey.booleanArrayKey("flags"), List.of(true, false));
      s.setAttribute(AttributeKey.doubleArrayKey("samples"), List.of(1.5, Double.NaN, Double.POSITIVE_INFINITY));
      s.setAttribute(AttributeKey.stringArrayKey("none"), List.of());
      s.setAttribute(AttributeKey.valueKey("payload"), Value.of("héllo".getBytes(StandardCharsets.UTF_8)));
      s.setAttribute(AttributeKey.valueKey("nobytes"), Value.of(new byte[0]));
      s.setAttribute(AttributeKey.valueKey("order"), Value.of(Map.of("id", Value.of(42L))));
      s.setAttribute(AttributeKey.valueKey("mixed"), Value.of(Value.of("a"), Value.of(1.5), Value.of(true)));
      s.setAttribute(AttributeKey.valueKey("plain"), Value.of("just text"));
    }));
    // UTF-8 of every width, surrogate pairs, lone surrogates (written as '?', as String.getBytes does)
    shapes.add(sdkSpan(defaults, "1", SpanKind.CLIENT, b -> {}, s -> {
      s.updateName("grüße 日本 😀");
      s.setAttribute("ascii", "plain");
      s.setAttribute("latin", "ñandú");
      s.setAttribute("cjk", "注文");
      s.setAttribute("emoji", "a😀b");
      s.setAttribute("lone.high", "x\uD83Dy");
      s.setAttribute("lone.low", "x\uDE00y");
      s.setAttribute("high.at.end", "x\uD83D");
      s.setAttribute("nul", "a\u0000b");
      s.setAttribute("ключ", "значение");
      s.setAttribute("long", "x".repeat(127));
      s.setAttribute("longer", "y".repeat(128));
      s.setAttribute("longest", "z".repeat(20_000));
    }));
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> s.setStatus(StatusCode.ERROR)));
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> s.setStatus(StatusCode.ERROR, "no stock")));
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> s.setStatus(StatusCode.OK)));
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> s.setStatus(StatusCode.OK, "fine")));
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> {
      s.recordException(new IllegalStateException("no stock"));
      s.addEvent("plain");
      s.addEvent("with attrs", Attributes.builder().put("k", "v").put("n", 3L).put("b", true).put("d", 0.5).build());
      s.setStatus(StatusCode.ERROR);
    }));
    shapes.add(sdkSpan(defaults, "1", SpanKind.SERVER, b -> {}, s -> {
      for (int i = 0; i < 20; i++) {
        s.addEvent("event " + i, Attributes.of(AttributeKey.longKey("i"), (long) i));
        s.setAttribute("attr" + i, "value " + i);
      }
    }));
    shapes.add(sdkSpan(defaults, "1", SpanKind.CONSUMER,
        b -> {
          b.setParent(Context.root().with(io.opentelemetry.api.trace.Span.wrap(REMOTE_PARENT)));
          b.addLink(LINKED);
          b.addLink(HIGH_BITS, Attributes.of(AttributeKey.stringKey("why"), "batch"));
        },
        s -> {}));
    shapes.add(sdkSpan(defaults, "1", SpanKind.CONSUMER,
        b -> {
          for (int i = 0; i < 16; i++) {
            b.addLink(LINKED);
          }
        },
        s -> {}));
    SpanLimits tight =
        SpanLimits.builder().setMaxNumberOfAttributes(2).setMaxNumberOfEvents(1).setMaxNumberOfLinks(1)
            .setMaxNumberOfAttributesPerEvent(1).build();
    shapes.add(sdkSpan(tight, "1", SpanKind.PRODUCER, b -> b.addLink(LINKED).addLink(LINKED), s -> {
      for (int i = 0; i < 5; i++) {
        s.setAttribute("a" + i, i);
      }
      s.addEvent("first", Attributes.builder().put("x", 1).put("y", 2).put("z", 3).build());
      s.addEvent("second");
    }));
    // SpanData the SDK never makes: high bits everywhere, unsampled, zero and negative times, field-id gaps
    shapes.add(TestSpanData.builder()
        .setSpanContext(HIGH_BITS)
        .setParentSpanContext(HIGH_BITS)
        .setName("")
        .setKind(SpanKind.INTERNAL)
        .setStartEpochNanos(0)
        .setEndEpochNanos(999)
        .setStatus(StatusData.unset())
        .setHasEnded(true)
        .setInstrumentationScopeInfo(InstrumentationScopeInfo.create(""))
        .setLinks(List.of(LinkData.create(REMOTE_PARENT)))
        .setEvents(List.of(EventData.create(1_000L, "", Attributes.empty(), 5)))
        .setTotalRecordedEvents(3)
        .setTotalRecordedLinks(1)
        .setTotalAttributeCount(7)
        .setAttributes(Attributes.of(AttributeKey.stringKey("k"), "v"))
        .build());
    shapes.add(TestSpanData.builder()
        .setSpanContext(REMOTE_PARENT)
        .setName("far future")
        .setKind(SpanKind.SERVER)
        .setStartEpochNanos(Long.MAX_VALUE - 10)
        .setEndEpochNanos(Long.MAX_VALUE)
        .setStatus(StatusData.error())
        .setHasEnded(true)
        .setTotalRecordedEvents(0)
        .setTotalRecordedLinks(0)
        .build());
    // random attribute sets: many keys, values of every type, random UTF-16
    Random random = new Random(24);
    for (int n = 0; n < 40; n++) {
      int count = random.nextInt(40);
      shapes.add(sdkSpan(defaults, n % 3 == 0 ? null : "v" + n, SpanKind.values()[n % 5], b -> {}, s -> {
        for (int i = 0; i < count; i++) {
          String key = "k" + i + randomString(random, 3);
          switch (random.nextInt(6)) {
            case 0 -> s.setAttribute(key, randomString(random, random.nextInt(300)));
            case 1 -> s.setAttribute(key, random.nextLong() >> random.nextInt(64));
            case 2 -> s.setAttribute(key, random.nextBoolean());
            case 3 -> s.setAttribute(key, random.nextDouble() * random.nextInt());
            case 4 -> s.addEvent(randomString(random, 10), Attributes.of(AttributeKey.stringKey(key), randomString(random, 20)));
            default -> s.setAttribute(AttributeKey.longArrayKey(key), List.of(random.nextLong(), 7L));
          }
        }
      }));
    }
    return shapes;
  }

  private static String randomString(Random random, int length) {
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      int kind = random.nextInt(10);
      sb.append(kind < 6 ? (char) ('a' + random.nextInt(26)) : kind < 8 ? (char) (0x80 + random.nextInt(0x780))
          : (char) random.nextInt(0x10000)); // any UTF-16 unit: surrogates paired or not
    }
    return sb.toString();
  }

  @Test
  void writeSpan_everyShape_sameBytesAsThriftObjects() throws Exception {
    JaegerSpanEncoder encoder = new JaegerSpanEncoder();
    List<SpanData> shapes = shapes();
    assertThat(shapes).hasSizeGreaterThanOrEqualTo(60);
    for (SpanData span : shapes) {
      assertSameAsThriftObjects(encoder, span);
    }
  }

  /**
   * Ids whose hex digits cover every digit in every position of the trace id (both halves), span id, parent
   * span id and link, half of them with the top bit set (negative longs on the wire), plus the edges: read
   * back from the exporter's datagrams with the generated classes, as the agent reads them, each id is what
   * {@code Long.parseUnsignedLong(.., 16)} makes of its string. A digit missing from, or wrong in, the
   * encoder's lookup table changes one of them.
   */
  @Test
  void datagrams_idsWithEveryHexDigitInEveryPosition_decodeToParseUnsignedLong() throws Exception {
    String digits = "0123456789abcdef";
    List<String[]> ids = new ArrayList<>(); // trace id, span id, parent span id, link trace id, link span id
    for (int shift = 0; shift < 16; shift++) {
      StringBuilder up = new StringBuilder();
      StringBuilder down = new StringBuilder();
      for (int position = 0; position < 32; position++) {
        up.append(digits.charAt((position + shift) % 16));
        down.append(digits.charAt((64 + shift - position) % 16));
      }
      String a = up.toString();
      String b = down.toString();
      ids.add(new String[] {a, b.substring(0, 16), a.substring(16), b, a.substring(0, 16)});
      ids.add(new String[] {b, a.substring(16), b.substring(0, 16), a, b.substring(16)});
    }
    String ones = "f".repeat(16);
    String top = "8" + "0".repeat(15);
    String max = "7" + "f".repeat(15);
    String one = "0".repeat(15) + "1";
    ids.add(new String[] {ones + ones, ones, top, top + max, one});
    ids.add(new String[] {top + one, max, one, one + top, ones});
    ids.add(new String[] {one + max, top, ones, max + ones, max});

    List<SpanData> spans = new ArrayList<>();
    for (String[] id : ids) {
      spans.add(TestSpanData.builder()
          .setSpanContext(SpanContext.create(id[0], id[1], TraceFlags.getSampled(), TraceState.getDefault()))
          .setParentSpanContext(SpanContext.createFromRemoteParent(id[0], id[2], TraceFlags.getSampled(),
              TraceState.getDefault()))
          .setLinks(List.of(LinkData.create(SpanContext.create(id[3], id[4], TraceFlags.getDefault(),
              TraceState.getDefault()))))
          .setName("ids")
          .setKind(SpanKind.INTERNAL)
          .setStartEpochNanos(1_000)
          .setEndEpochNanos(2_000)
          .setStatus(StatusData.unset())
          .setHasEnded(true)
          .setTotalRecordedEvents(0)
          .setTotalRecordedLinks(1)
          .build());
    }
    for (SpanData span : spans) { // every id valid, so none was replaced by the invalid (all-zero) context
      assertThat(span.getSpanContext().isValid()).isTrue();
      assertThat(span.getParentSpanContext().isValid()).isTrue();
      assertThat(span.getLinks().get(0).getSpanContext().isValid()).isTrue();
    }

    JaegerUdpSpanExporter exporter =
        new JaegerUdpSpanExporter("127.0.0.1", 6831, Resource.getDefault(), new SelfMetrics(new SimpleMeterRegistry()));
    List<Span> decoded = new ArrayList<>();
    for (byte[] datagram : exporter.encodeDatagrams(spans)) {
      decoded.addAll(UdpAgent.decode(datagram).getSpans());
    }

    assertThat(decoded).hasSameSizeAs(ids);
    int negative = 0;
    for (int i = 0; i < ids.size(); i++) {
      String[] id = ids.get(i);
      Span span = decoded.get(i);
      long[] expected = {
        Long.parseUnsignedLong(id[0].substring(0, 16), 16), Long.parseUnsignedLong(id[0].substring(16), 16),
        Long.parseUnsignedLong(id[1], 16), Long.parseUnsignedLong(id[2], 16),
        Long.parseUnsignedLong(id[0].substring(0, 16), 16), Long.parseUnsignedLong(id[0].substring(16), 16),
        Long.parseUnsignedLong(id[2], 16),
        Long.parseUnsignedLong(id[3].substring(0, 16), 16), Long.parseUnsignedLong(id[3].substring(16), 16),
        Long.parseUnsignedLong(id[4], 16),
      };
      assertThat(span.getReferences()).hasSize(2);
      var parentRef = span.getReferences().get(0);
      var linkRef = span.getReferences().get(1);
      long[] actual = {
        span.getTraceIdHigh(), span.getTraceIdLow(), span.getSpanId(), span.getParentSpanId(),
        parentRef.getTraceIdHigh(), parentRef.getTraceIdLow(), parentRef.getSpanId(),
        linkRef.getTraceIdHigh(), linkRef.getTraceIdLow(), linkRef.getSpanId(),
      };
      assertThat(actual).as("ids of span %d: %s", i, String.join(" ", id)).containsExactly(expected);
      for (long value : expected) {
        negative += value < 0 ? 1 : 0;
      }
    }
    assertThat(negative).as("ids with the top bit set").isGreaterThan(ids.size() * 3);
  }

  @Test
  void writeSpan_encoderReusedAfterReset_sameBytes() throws Exception {
    JaegerSpanEncoder encoder = new JaegerSpanEncoder();
    List<SpanData> shapes = shapes();
    for (SpanData span : shapes) {
      encoder.writeSpan(span);
    }
    encoder.reset();
    for (SpanData span : shapes) {
      encoder.reset();
      assertSameAsThriftObjects(encoder, span);
    }
  }

  @Test
  void datagrams_manySpans_decodeToTheMappedSpansInOrder_splitUnderTheLimit() throws Exception {
    List<SpanData> spans = new ArrayList<>();
    for (SpanData span : shapes()) {
      if (viaThriftObjects(span).length < 3_000) { // the over-large ones are the shortening tests' business
        spans.add(span);
      }
    }
    for (int i = 0; i < 2; i++) {
      spans.addAll(new ArrayList<>(spans));
    }
    // one byte at a time over a range of limits, so that some split lands exactly on the limit
    for (int limit = 4_000; limit < 4_040; limit++) {
      assertDatagrams(spans, limit);
    }
  }

  private static void assertDatagrams(List<SpanData> spans, int limit) throws Exception {
    JaegerUdpSpanExporter exporter =
        new JaegerUdpSpanExporter("127.0.0.1", 6831, Resource.getDefault(), new SelfMetrics(new SimpleMeterRegistry()),
            limit, java.net.InetAddress::getByName, java.time.Duration.ofSeconds(30));
    List<byte[]> datagrams = exporter.encodeDatagrams(spans);

    assertThat(datagrams).hasSizeGreaterThan(3);
    List<Span> decoded = new ArrayList<>();
    for (byte[] datagram : datagrams) {
      assertThat(datagram.length).isLessThanOrEqualTo(limit);
      Batch batch = UdpAgent.decode(datagram);
      assertThat(batch.getProcess().getServiceName()).isEqualTo(Resource.getDefault().getAttribute(AttributeKey.stringKey("service.name")));
      decoded.addAll(batch.getSpans());
    }
    List<Span> expected = new ArrayList<>();
    for (SpanData span : spans) {
      expected.add(decode(viaThriftObjects(span))); // as the agent reads them (a lone surrogate reads as '?')
    }
    assertThat(decoded.toString()).isEqualTo(expected.toString()); // as text: NaN tags
    assertThat(decoded).hasSameSizeAs(expected);

    // byte for byte what libthrift writes for emitBatch with the same process, split greedily: each datagram
    // holds as many of the next spans as fit in the limit
    io.jaegertracing.thriftjava.Process process = UdpAgent.decode(datagrams.get(0)).getProcess();
    List<byte[]> reference = new ArrayList<>();
    int from = 0;
    while (from < expected.size()) {
      int to = from + 1;
      while (to < expected.size() && emitBatch(process, expected.subList(from, to + 1)).length <= limit) {
        to++;
      }
      reference.add(emitBatch(process, expected.subList(from, to)));
      from = to;
    }
    assertThat(datagrams).hasSameSizeAs(reference);
    for (int i = 0; i < datagrams.size(); i++) {
      assertThat(datagrams.get(i)).as("datagram %d of limit %d", i, limit).isEqualTo(reference.get(i));
    }
  }

  private static byte[] emitBatch(io.jaegertracing.thriftjava.Process process, List<Span> spans) throws Exception {
    TMemoryBuffer buffer = new TMemoryBuffer(4096);
    TCompactProtocol protocol = new TCompactProtocol(buffer);
    protocol.writeMessageBegin(new org.apache.thrift.protocol.TMessage("emitBatch", org.apache.thrift.protocol.TMessageType.ONEWAY, 0));
    new io.jaegertracing.agent.thrift.Agent.emitBatch_args(new Batch(process, new ArrayList<>(spans))).write(protocol);
    protocol.writeMessageEnd();
    byte[] out = new byte[buffer.length()];
    System.arraycopy(buffer.getArray(), 0, out, 0, out.length);
    return out;
  }
}
