package org.nova.it.autoload;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

/** Records the framework's WARN and ERROR lines while attached, as "LEVEL message". */
final class LogLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> lines = new ArrayList<>();
    private final Logger root;

    LogLines() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        setContext(ctx);
        setName("autoload-log-lines");
        start();
        root.addAppender(this);
    }

    @Override
    protected synchronized void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
            lines.add(e.getLevel() + " " + e.getFormattedMessage());
        }
    }

    /** @return the recorded lines that contain every one of {@code parts} */
    synchronized List<String> containing(String... parts) {
        return lines.stream().filter(l -> List.of(parts).stream().allMatch(l::contains)).toList();
    }

    /** @return every recorded line */
    synchronized List<String> all() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
