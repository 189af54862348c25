/*
 * Copyright The obs4j Authors
 * SPDX-License-Identifier: Apache-2.0
 */
package dev.obs4j.internal.logs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import dev.obs4j.internal.console.LatestErrors;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;

/**
 * Internal, not for public use. The Logback counterpart of {@link Log4j2LatestErrorsAppender}: on the root
 * logger, it keeps each WARN and ERROR line in {@link LatestErrors} with the trace id and service that
 * obs4j put in the MDC. Added by code when the console is on and Logback is SLF4J's backend.
 */
public final class LogbackLatestErrorsAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final AtomicBoolean INSTALLED = new AtomicBoolean();

  private LogbackLatestErrorsAppender() {}

  /** Adds the appender to Logback's root logger, once per JVM; false when Logback is not the backend. */
  public static boolean install() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return false;
    }
    if (INSTALLED.getAndSet(true)) {
      return true;
    }
    LogbackLatestErrorsAppender appender = new LogbackLatestErrorsAppender();
    appender.setContext(context);
    appender.setName("obs4j-console-latest-errors");
    appender.start();
    context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
    return true;
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
      return;
    }
    String message = event.getFormattedMessage() == null ? "" : event.getFormattedMessage();
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null && !message.contains(String.valueOf(thrown.getMessage()))) {
      message = message + " (" + thrown.getClassName() + ": " + thrown.getMessage() + ")";
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    LatestErrors.add(new LatestErrors.Line(
        event.getTimeStamp(),
        event.getLevel().toString(),
        event.getLoggerName(),
        message,
        mdc.get(MdcContextStorage.TRACE_ID),
        mdc.get(MdcContextStorage.SERVICE_NAME)));
  }
}
