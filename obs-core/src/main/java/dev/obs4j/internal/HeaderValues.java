/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

/** What may travel in a header, a span attribute or a log field that came from a caller. */
public final class HeaderValues {
  private HeaderValues() {}

  /** True for values no header may carry: ASCII control characters other than tab (CR, LF, NUL, DEL ...). */
  public static boolean hasControlCharacters(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }
}
