/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.testing;

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

  /**
   * True for characters no header or log line may carry as they are. Written from the specifications, not
   * taken from obs4j's own filter, so that a fault in that filter fails the fuzz tests: a field value
   * (RFC 9110, section 5.5) is made of visible characters (VCHAR, 0x21-0x7E), space, tab and obs-text
   * (bytes from 0x80, which is what UTF-8 makes of any non-ASCII character); what is left is RFC 5234's
   * CTL (0x00-0x1F and DEL, 0x7F) without the tab.
   */
  public static boolean hasControl(String s) {
    return !s.chars().allMatch(Hostile::fieldValueCharacter);
  }

  private static boolean fieldValueCharacter(int c) {
    boolean visible = c >= 0x21 && c <= 0x7e;
    boolean whitespace = c == ' ' || c == '\t';
    boolean obsText = c >= 0x80;
    return visible || whitespace || obsText;
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
