/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.docs;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Test scaffolding: the log4j2 events of one logger (and its children) kept in memory, with the context data
 * log4j2 gathered for each: that is what the ECS template's {@code mdc} resolvers read ({@code trace_id} into
 * {@code trace.id}, {@code span_id} into {@code span.id}, ...).
 */
final class LogCapture extends AbstractAppender implements AutoCloseable {
  /** One captured event. */
  record Line(String logger, Level level, String message, Map<String, String> context, Throwable error) {}

  private final List<Line> lines = new CopyOnWriteArrayList<>();
  private final String loggerName;
  private final LoggerContext loggers;
  private final LoggerConfig added;

  private LogCapture(String loggerName, Level level) {
    super("docs-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
    this.loggerName = loggerName;
    this.loggers = (LoggerContext) LogManager.getContext(false);
    Configuration config = loggers.getConfiguration();
    start();
    this.added = new LoggerConfig(loggerName, level, true);
    added.addAppender(this, level, null);
    config.addLogger(loggerName, added);
    loggers.updateLoggers();
  }

  /** Captures what {@code loggerName} logs at {@code level} and above until closed. */
  static LogCapture of(String loggerName, Level level) {
    return new LogCapture(loggerName, level);
  }

  @Override
  public void append(LogEvent event) {
    Throwable thrown = event.getThrown();
    lines.add(
        new Line(
            event.getLoggerName(),
            event.getLevel(),
            event.getMessage().getFormattedMessage(),
            Map.copyOf(event.getContextData().toMap()),
            thrown));
  }

  List<Line> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    loggers.getConfiguration().removeLogger(loggerName);
    loggers.updateLoggers();
    stop();
  }
}
