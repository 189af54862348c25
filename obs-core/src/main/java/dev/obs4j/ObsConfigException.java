/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j;

/**
 * Thrown by {@link Obs.Builder#build()} when a setting has a value obs4j cannot use. The message names the
 * setting (its environment variable and system property) and the values it accepts.
 */
public final class ObsConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String setting;

  /** Creates an exception for {@code setting}; {@code message} says what is wrong and what is accepted. */
  public ObsConfigException(String setting, String message) {
    super(message);
    this.setting = setting;
  }

  /** Creates an exception for {@code setting} caused by {@code cause}. */
  public ObsConfigException(String setting, String message, Throwable cause) {
    super(message, cause);
    this.setting = setting;
  }

  /** The environment-variable name of the setting at fault, e.g. {@code OTEL_TRACES_EXPORTER}. */
  public String setting() {
    return setting;
  }
}
