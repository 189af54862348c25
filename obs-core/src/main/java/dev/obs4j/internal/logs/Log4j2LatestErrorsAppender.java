/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.logs;

import dev.obs4j.internal.console.LatestErrors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/**
 * Internal, not for public use. A log4j2 appender on the root logger, at WARN, that keeps each line in
 * {@link LatestErrors} with the trace id and service the context data provider gave it. Added by code when
 * the console is on and log4j-core is the backend, so that no configuration file has to name it.
 */
public final class Log4j2LatestErrorsAppender extends AbstractAppender {
  private static final String NAME = "obs4j-console-latest-errors";
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  private Log4j2LatestErrorsAppender() {
    super(NAME, null, null, true, Property.EMPTY_ARRAY);
  }

  /** Adds the appender to the current log4j2 configuration, once per JVM; false when log4j-core is not the backend. */
  public static boolean install() {
    try {
      if (!(LogManager.getContext(false) instanceof LoggerContext context)) {
        return false;
      }
      if (INSTALLED.getAndSet(true)) {
        return true;
      }
      Log4j2LatestErrorsAppender appender = new Log4j2LatestErrorsAppender();
      appender.start();
      Configuration configuration = context.getConfiguration();
      configuration.addAppender(appender);
      configuration.getRootLogger().addAppender(appender, Level.WARN, null);
      context.updateLoggers();
      return true;
    } catch (LinkageError noLog4jCore) {
      return false;
    }
  }

  @Override
  public void append(LogEvent event) {
    String message = event.getMessage() == null ? "" : event.getMessage().getFormattedMessage();
    if (event.getThrown() != null && !message.contains(String.valueOf(event.getThrown().getMessage()))) {
      message = message + " (" + event.getThrown() + ")";
    }
    LatestErrors.add(new LatestErrors.Line(
        event.getTimeMillis(),
        event.getLevel().name(),
        String.valueOf(event.getLoggerName()),
        message,
        event.getContextData().getValue(MdcContextStorage.TRACE_ID),
        event.getContextData().getValue("service.name")));
  }
}
