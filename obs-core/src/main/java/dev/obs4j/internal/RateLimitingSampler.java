/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Internal, not for public use. Samples at most N traces per second with a token bucket, as Jaeger's
 * {@code ratelimiting} sampler does. Written here because the OpenTelemetry SDK ships none outside its
 * Jaeger remote sampler, where it is not public. Sampled spans carry Jaeger's {@code sampler.type} and
 * {@code sampler.param} tags.
 */
public final class RateLimitingSampler implements Sampler {
  private static final AttributeKey<String> SAMPLER_TYPE = AttributeKey.stringKey("sampler.type");
  private static final AttributeKey<Double> SAMPLER_PARAM = AttributeKey.doubleKey("sampler.param");

  private final double perSecond;
  private final double creditsPerNanosecond;
  private final double maxBalance;
  private final SamplingResult sampled;
  private final SamplingResult dropped = SamplingResult.create(SamplingDecision.DROP);
  private double balance;
  private long lastTick;

  public RateLimitingSampler(double perSecond) {
    if (!(perSecond > 0)) {
      throw new IllegalArgumentException("perSecond must be > 0: " + perSecond);
    }
    this.perSecond = perSecond;
    this.creditsPerNanosecond = perSecond / 1e9;
    this.maxBalance = Math.max(perSecond, 1.0);
    this.balance = maxBalance;
    this.lastTick = System.nanoTime();
    this.sampled =
        SamplingResult.create(
            SamplingDecision.RECORD_AND_SAMPLE,
            Attributes.of(SAMPLER_TYPE, "ratelimiting", SAMPLER_PARAM, perSecond));
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    return trySpend() ? sampled : dropped;
  }

  private synchronized boolean trySpend() {
    long now = System.nanoTime();
    balance = Math.min(maxBalance, balance + (now - lastTick) * creditsPerNanosecond);
    lastTick = now;
    if (balance >= 1.0) {
      balance -= 1.0;
      return true;
    }
    return false;
  }

  @Override
  public String getDescription() {
    return "RateLimitingSampler{" + perSecond + "}";
  }

  @Override
  public String toString() {
    return getDescription();
  }
}
