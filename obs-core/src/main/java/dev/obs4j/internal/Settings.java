/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal;

import dev.obs4j.ObsConfigException;
import dev.obs4j.Secrets;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Internal, not for public use. Reads settings by their environment-variable name: a value forced in code
 * wins, then the system property (lower case, dots for underscores: {@code OTEL_SERVICE_NAME} is
 * {@code otel.service.name}), then the environment variable, then a value set in code as the
 * application's default. Every parse failure names the setting.
 */
public final class Settings {
  /** How much of a bad value an error message repeats. */
  private static final int MAX_ECHOED = 120;

  private final Map<String, String> forced;
  private final Map<String, String> code;
  private final Function<String, @Nullable String> properties;
  private final Function<String, @Nullable String> environment;

  /** {@code code} values are defaults that system properties and the environment override. */
  public Settings(
      Map<String, String> code,
      Function<String, @Nullable String> properties,
      Function<String, @Nullable String> environment) {
    this(Map.of(), code, properties, environment);
  }

  /** As above, with {@code forced} values from code that nothing overrides. */
  public Settings(
      Map<String, String> forced,
      Map<String, String> code,
      Function<String, @Nullable String> properties,
      Function<String, @Nullable String> environment) {
    this.forced = Collections.unmodifiableMap(new LinkedHashMap<>(forced));
    this.code = Collections.unmodifiableMap(new LinkedHashMap<>(code));
    this.properties = properties;
    this.environment = environment;
  }

  /**
   * Settings forced in code, then {@link System#getProperty}, then {@link System#getenv}, then the defaults
   * given in code.
   */
  public static Settings fromSystem(Map<String, String> forced, Map<String, String> code) {
    return new Settings(forced, code, System::getProperty, System::getenv);
  }

  public static String propertyName(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '.');
  }

  /** The raw value, trimmed, or null when not set anywhere (an empty value counts as not set). */
  public @Nullable String get(String name) {
    String value = forced.get(name);
    if (value == null) {
      value = nonBlank(properties.apply(propertyName(name)));
    }
    if (value == null) {
      value = nonBlank(environment.apply(name));
    }
    if (value == null) {
      value = code.get(name);
    }
    if (value == null) {
      return null;
    }
    value = value.trim();
    if (value.isEmpty()) {
      return null;
    }
    int control = controlCharacterAt(value);
    if (control >= 0) {
      // The value is not echoed: it may be a password, and echoing it would carry the character on.
      throw new ObsConfigException(
          name,
          String.format(
              Locale.ROOT,
              "Invalid value for setting %s (system property %s): it contains a control character"
                  + " (U+%04X at position %d); no setting accepts CR, LF, NUL or other control characters",
              name,
              propertyName(name),
              (int) value.charAt(control),
              control));
    }
    return value;
  }

  /** The index of the first ASCII control character (tab included) in {@code value}, or -1. */
  private static int controlCharacterAt(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return i;
      }
    }
    return -1;
  }

  private static @Nullable String nonBlank(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }

  public boolean isSet(String name) {
    return get(name) != null;
  }

  /**
   * Where {@code name}'s value comes from, as a rank: 4 forced in code, 3 a system property, 2 the
   * environment, 1 set in code as a default, 0 not set.
   */
  int rank(String name) {
    if (forced.containsKey(name)) {
      return 4;
    }
    if (nonBlank(properties.apply(propertyName(name))) != null) {
      return 3;
    }
    if (nonBlank(environment.apply(name)) != null) {
      return 2;
    }
    return code.containsKey(name) ? 1 : 0;
  }

  /**
   * Of two settings that say the same thing ({@code OTEL_SERVICE_NAME} and Jaeger's
   * {@code JAEGER_SERVICE_NAME}), the one whose value comes from the higher place in the order above;
   * {@code standard} when both come from the same place, or neither is set.
   */
  public String preferred(String standard, String alternative) {
    return rank(alternative) > rank(standard) ? alternative : standard;
  }

  public String get(String name, String defaultValue) {
    String value = get(name);
    return value == null ? defaultValue : value;
  }

  /**
   * The error for a bad value: the setting named, the value echoed with its secrets masked
   * ({@link Secrets#mask}) and cut, or not echoed at all for a setting that holds only secrets.
   */
  public static ObsConfigException invalid(String name, String value, String accepted) {
    String shown;
    if (Secrets.isSecretSetting(name)) {
      shown = "(not shown: " + name + " holds a secret)";
    } else {
      String masked = Secrets.mask(value);
      shown = "'" + (masked.length() > MAX_ECHOED
          ? masked.substring(0, MAX_ECHOED) + "...' (" + masked.length() + " characters)" : masked + "'");
    }
    return new ObsConfigException(
        name,
        "Invalid value "
            + shown
            + " for setting "
            + name
            + " (system property "
            + propertyName(name)
            + "): expected "
            + accepted);
  }

  /** One of {@code accepted} (compared case-insensitively), returned in lower case. */
  public String oneOf(String name, String defaultValue, Set<String> accepted) {
    String value = get(name, defaultValue).toLowerCase(Locale.ROOT);
    if (!accepted.contains(value)) {
      throw invalid(name, value, "one of " + String.join(", ", accepted));
    }
    return value;
  }

  /** A comma-separated list whose every entry is one of {@code accepted}, in lower case. */
  public List<String> listOf(String name, String defaultValue, Set<String> accepted) {
    String raw = get(name, defaultValue);
    List<String> out = new ArrayList<>();
    for (String part : raw.split(",", -1)) {
      String entry = part.trim().toLowerCase(Locale.ROOT);
      if (!accepted.contains(entry)) {
        throw invalid(
            name, raw, "a comma-separated list of " + String.join(", ", accepted) + " (got '" + entry + "')");
      }
      if (!out.contains(entry)) {
        out.add(entry);
      }
    }
    return Collections.unmodifiableList(out);
  }

  public boolean bool(String name, boolean defaultValue) {
    String value = get(name);
    if (value == null) {
      return defaultValue;
    }
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw invalid(name, value, "true or false");
    }
  }

  public int intInRange(String name, int defaultValue, int min, int max) {
    String value = get(name);
    if (value == null) {
      return defaultValue;
    }
    return parseInt(name, value, min, max);
  }

  public static int parseInt(String name, String value, int min, int max) {
    try {
      int parsed = Integer.parseInt(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value, "a whole number from " + min + " to " + max);
  }

  public static double parseDouble(String name, String value, double min, double max) {
    try {
      double parsed = Double.parseDouble(value);
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value, "a number from " + min + " to " + max);
  }

  /** Milliseconds, as the OTel specification gives durations in the environment. */
  public Duration millis(String name, Duration defaultValue, long min, long max) {
    String value = get(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed >= min && parsed <= max) {
        return Duration.ofMillis(parsed);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(name, value, "a number of milliseconds from " + min + " to " + max);
  }

  /** An absolute http or https URL. */
  public static URI httpUrl(String name, String value) {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme();
      if (("http".equals(scheme) || "https".equals(scheme)) && uri.getHost() != null) {
        return uri;
      }
    } catch (java.net.URISyntaxException e) {
      // reported below
    }
    throw invalid(name, value, "an absolute http:// or https:// URL such as http://localhost:4318");
  }

  /**
   * {@code key=value,key=value} as in {@code OTEL_RESOURCE_ATTRIBUTES} and {@code OTEL_EXPORTER_OTLP_HEADERS};
   * values are percent-decoded as the OpenTelemetry specification says (the W3C Baggage format): {@code %XX}
   * escapes only, a {@code +} stays a {@code +}.
   */
  public Map<String, String> keyValues(String name) {
    String raw = get(name);
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split(",", -1)) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = eq < 0 ? "" : pair.substring(0, eq).trim();
      if (key.isEmpty()) {
        throw invalid(name, raw, "comma-separated key=value pairs (got '" + pair.trim() + "')");
      }
      String value;
      try {
        value = percentDecode(pair.substring(eq + 1).trim());
      } catch (IllegalArgumentException e) {
        throw invalid(name, raw, "percent-encoded values (bad escape in '" + pair.trim() + "')");
      }
      if (controlCharacterAt(value) >= 0) {
        throw invalid(name, raw, "values without control characters (" + key + " decodes to one)");
      }
      out.put(key, value);
    }
    return out;
  }

  /** {@code text} with its {@code %XX} escapes decoded as UTF-8; anything else, {@code +} included, as it is. */
  static String percentDecode(String text) {
    if (text.indexOf('%') < 0) {
      return text;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '%') {
        if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
            || Character.digit(text.charAt(i + 2), 16) < 0) {
          throw new IllegalArgumentException("bad escape at " + i);
        }
        bytes.write(Character.digit(text.charAt(i + 1), 16) * 16 + Character.digit(text.charAt(i + 2), 16));
        i += 2;
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        if (Character.isHighSurrogate(c) && i + 1 < text.length()) {
          encoded = text.substring(i, i + 2).getBytes(StandardCharsets.UTF_8);
          i++;
        }
        bytes.write(encoded, 0, encoded.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
