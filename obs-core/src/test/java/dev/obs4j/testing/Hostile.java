/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

import dev.obs4j.internal.HeaderValues;
import java.util.List;
import java.util.Random;

/**
 * Hostile strings for the fuzz tests, from a fixed seed so that a failure replays: four in ten a valid
 * value as given, four in ten one mutated by one to four edits from a hostile alphabet (control characters
 * included), one in ten short noise, one in ten noise of thousands of characters.
 */
public final class Hostile {
  /** Characters that break parsers and lines: CR, LF, NUL, DEL, a tab, quotes, a line separator, non-ASCII. */
  public static final String CONTROL = " \t\r\n\u0000\u007f\u00e9\u2028\"'<>";

  private final Random random;
  private final String alphabet;

  /** Draws from {@code alphabet} (plus {@link #CONTROL}) with the given seed. */
  public Hostile(long seed, String alphabet) {
    this.random = new Random(seed);
    this.alphabet = alphabet + CONTROL;
  }

  /** The generator's own random source, for the test's other choices (which header, which adapter ...). */
  public Random random() {
    return random;
  }

  /** A value of the kind described above, built from one of {@code valid}. */
  public String from(List<String> valid) {
    int kind = random.nextInt(10);
    String base = valid.get(random.nextInt(valid.size()));
    if (kind < 4) {
      return base;
    }
    if (kind < 8) {
      StringBuilder mutated = new StringBuilder(base);
      int edits = 1 + random.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = mutated.length() == 0 ? 0 : random.nextInt(mutated.length());
        char c = alphabet.charAt(random.nextInt(alphabet.length()));
        switch (mutated.length() == 0 ? 1 : random.nextInt(3)) {
          case 0 -> mutated.setCharAt(at, c);
          case 1 -> mutated.insert(at, c);
          default -> mutated.deleteCharAt(at);
        }
      }
      return mutated.toString();
    }
    int length = kind == 8 ? random.nextInt(64) : 2_000 + random.nextInt(8_000);
    StringBuilder noise = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      noise.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return noise.toString();
  }

  /** True for characters no header or log line may carry as they are: ASCII controls other than tab. */
  public static boolean hasControl(String s) {
    return HeaderValues.hasControlCharacters(s);
  }

  /** {@code s} cut to 200 characters with its control characters written as escapes, for a failure message. */
  public static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : (s.length() > 200 ? s.substring(0, 200) + "..." : s).toCharArray()) {
      out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
    }
    return out.toString();
  }
}
