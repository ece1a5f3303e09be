package org.nova.it.soak;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;

/**
 * Records the WARN and ERROR events of the framework while attached: an orderly life (bundles
 * stopped, devices deleted through Configuration Admin, bindings undone) must log no failure with a
 * stack trace, so the soak fails on those and lists the others in its summary.
 */
final class LogWarnings extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final List<String> withThrowable = new ArrayList<>();
    private final List<String> plain = new ArrayList<>();
    private final Logger root;

    LogWarnings() {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        setContext(ctx);
        setName("soak-warnings");
        start();
        root.addAppender(this);
    }

    @Override
    protected synchronized void append(ILoggingEvent e) {
        if (!e.getLevel().isGreaterOrEqual(Level.WARN)) {
            return;
        }
        IThrowableProxy t = e.getThrowableProxy();
        String line = e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage();
        if (t != null) {
            withThrowable.add(line + ": " + t.getClassName() + ": " + t.getMessage());
        } else {
            plain.add(line);
        }
    }

    /** @return the events that carried an exception: each is a failure of an orderly path */
    synchronized List<String> withThrowable() {
        return List.copyOf(withThrowable);
    }

    /** @return the other WARN and ERROR events */
    synchronized List<String> plain() {
        return List.copyOf(plain);
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
