/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks the secrets that URLs and settings carry, keeping the rest so that a message still helps:
 * {@code jdbc:postgresql://db:5432/shop?user=app&password=hunter2} becomes
 * {@code jdbc:postgresql://db:5432/shop?user=app&password=****}. obs4j passes every URL and setting value it
 * prints or records through here (start-up lines, the errors of settings that fail {@code build()}, the
 * sampler's description); use it for your own banners and log lines too.
 *
 * <p>What is masked: the password of a URL's user information ({@code //user:secret@host}, also without
 * the slashes as an exception quotes a host, and Oracle's {@code user/secret@host}); the value of every parameter whose name says it is a secret, in query strings,
 * JDBC's {@code ;name=value} and {@code :name=value;} forms, Connector/J's {@code (name=value)} and
 * {@code key=value,key=value} lists (names ending in {@code password}, {@code passwd}, {@code pwd},
 * {@code secret}, {@code token}, {@code key}, {@code auth}, {@code authorization}, {@code credential(s)},
 * {@code signature}, {@code sig}); a Telegram bot token ({@code bot123456:AA...}); the path of a Slack
 * incoming webhook. Masking is a safety net, not a parser of every format: settings that only hold secrets
 * (a password, a token, exporter headers) are never printed at all.
 */
public final class Secrets {
  /** What a masked value is replaced with. */
  public static final String MASK = "****";

  private static final Pattern USER_INFO = Pattern.compile("(//[^/?#@\\s:]*):([^/?#@\\s]*)@");
  /** {@code user:secret@host} without the {@code //}, as a driver's UnknownHostException quotes it. */
  private static final Pattern BARE_USER_INFO =
      Pattern.compile("(^|[\\s(\\[\"'=,;])([\\w.~%+-]+):([^\\s/?#@:]+)@(?=[\\w.\\[-])");
  private static final Pattern ORACLE_USER = Pattern.compile("(?i)(jdbc:oracle:[a-z0-9]+:[^/@\\s:]*)/([^@\\s]*)@");
  private static final Pattern PARAMETER = Pattern.compile(
      "(?i)(^|[?&;:(,\\s])([a-z0-9_.\\-]*(?:password|passwd|pwd|secret|token|key|auth|authorization|credentials?"
          + "|signature|sig))(\\s*=\\s*)((?:(?:bearer|basic|digest|token)(?:\\s+|%20))?[^&;)\\s,]*)");
  private static final Pattern TELEGRAM = Pattern.compile("(?i)(bot)?\\d{5,}:[a-z0-9_\\-]{20,}");
  private static final Pattern SLACK = Pattern.compile("(?i)(hooks\\.slack\\.com/)[^\\s'\"]+");

  private Secrets() {}

  /**
   * {@code text} with every secret this class knows masked as {@link #MASK}; the text itself when it holds
   * none. Never throws.
   */
  public static String mask(String text) {
    if (text.isEmpty()) {
      return text;
    }
    String masked = replace(USER_INFO, text, m -> m.group(1) + ":" + MASK + "@");
    masked = replace(BARE_USER_INFO, masked, m -> m.group(1) + m.group(2) + ":" + MASK + "@");
    masked = replace(ORACLE_USER, masked, m -> m.group(1) + "/" + MASK + "@");
    masked = replace(PARAMETER, masked, m -> m.group(1) + m.group(2) + m.group(3) + MASK);
    masked = replace(TELEGRAM, masked, m -> (m.group(1) == null ? "" : m.group(1)) + MASK);
    return replace(SLACK, masked, m -> m.group(1) + MASK);
  }

  /**
   * Whether {@code setting} (an environment-variable name such as {@code OBS4J_CONSOLE_PASSWORD}) holds
   * nothing but secrets, so that its value is never shown, not even masked: passwords, tokens, secrets,
   * private keys and exporter headers (which carry API keys).
   */
  public static boolean isSecretSetting(String setting) {
    String name = setting.toUpperCase(Locale.ROOT);
    return name.contains("PASSWORD")
        || name.contains("TOKEN")
        || name.contains("SECRET")
        || name.endsWith("_HEADERS")
        || name.endsWith("_KEY") && !name.endsWith("CLIENT_KEY"); // CLIENT_KEY names a file, not a key
  }

  private static String replace(Pattern pattern, String text, Function<Matcher, String> by) {
    Matcher matcher = pattern.matcher(text);
    if (!matcher.find()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    do {
      matcher.appendReplacement(out, Matcher.quoteReplacement(by.apply(matcher)));
    } while (matcher.find());
    matcher.appendTail(out);
    return out.toString();
  }
}
