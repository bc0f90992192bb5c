package io.ballast.support.probe;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.jboss.logmanager.ExtLogRecord;

/** Collects the ERROR lines one logger writes while a test runs. */
final class ErrorLog extends Handler implements AutoCloseable {

    /** An ERROR line: its text and the cause logged with it. */
    record Line(String message, Throwable cause) {}

    private final Logger logger;
    private final List<Line> lines = new CopyOnWriteArrayList<>();

    private ErrorLog(Logger logger) {
        this.logger = logger;
        logger.addHandler(this);
    }

    static ErrorLog of(Class<?> loggingClass) {
        return new ErrorLog(Logger.getLogger(loggingClass.getName()));
    }

    List<Line> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
            String message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage();
            lines.add(new Line(message, record.getThrown()));
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
