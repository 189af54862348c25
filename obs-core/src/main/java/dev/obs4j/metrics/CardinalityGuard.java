/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A meter filter that keeps at most {@code maxValues} distinct values per meter name and tag key. Further
 * values are replaced by {@value #OTHER}, so a tag fed with ids or raw paths cannot make Prometheus store a
 * new series for each; every collapsed value is counted in {@code obs4j.metrics.tag.values.collapsed}, and
 * one WARN line per meter and tag names the culprit.
 *
 * <pre>{@code
 * registry.config().meterFilter(new CardinalityGuard(100));
 * }</pre>
 */
public final class CardinalityGuard implements MeterFilter {
  /** The value that replaces a tag value past the limit. */
  public static final String OTHER = "OTHER";

  private static final Logger log = LoggerFactory.getLogger(CardinalityGuard.class);

  private final int maxValues;
  private final ConcurrentMap<String, Set<String>> seen = new ConcurrentHashMap<>();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private volatile @Nullable Counter collapsed;

  /** Keeps at most {@code maxValues} (at least 1) distinct values per meter name and tag key. */
  public CardinalityGuard(int maxValues) {
    if (maxValues < 1) {
      throw new IllegalArgumentException("maxValues must be at least 1: " + maxValues);
    }
    this.maxValues = maxValues;
  }

  /** Counts each collapsed value in {@code counter} from now on. */
  public void countCollapsedIn(Counter counter) {
    this.collapsed = Objects.requireNonNull(counter, "counter");
  }

  /** The limit given at construction. */
  public int maxValues() {
    return maxValues;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    List<Tag> tags = id.getTags();
    List<Tag> replaced = null;
    for (int i = 0; i < tags.size(); i++) {
      Tag tag = tags.get(i);
      Set<String> values =
          seen.computeIfAbsent(id.getName() + '\u0000' + tag.getKey(), k -> ConcurrentHashMap.newKeySet());
      if (values.contains(tag.getValue()) || admit(values, tag.getValue())) {
        continue;
      }
      if (replaced == null) {
        replaced = new ArrayList<>(tags);
      }
      replaced.set(i, Tag.of(tag.getKey(), OTHER));
      Counter counter = collapsed;
      if (counter != null) {
        counter.increment();
      }
      if (warned.add(id.getName() + '\u0000' + tag.getKey())) {
        log.warn(
            "Meter '{}' has more than {} values for tag '{}'; further values are recorded as '{}'",
            id.getName(),
            maxValues,
            tag.getKey(),
            OTHER);
      }
    }
    return replaced == null ? id : id.replaceTags(replaced);
  }

  private boolean admit(Set<String> values, String value) {
    synchronized (values) {
      if (values.size() < maxValues) {
        values.add(value);
        return true;
      }
      return values.contains(value);
    }
  }
}
