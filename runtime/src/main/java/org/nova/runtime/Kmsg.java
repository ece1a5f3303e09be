package org.nova.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.CyclicBufferAppender;
import ch.qos.logback.core.spi.FilterReply;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * kernel/printk/printk.c for the runtime: the log buffer every message goes to, read by
 * {@code dmesg} (the kernel's syslog(SYSLOG_ACTION_READ_ALL) and {@code -C}'s CLEAR), and the
 * console's level (console_loglevel, {@code dmesg -n}) that decides what the terminal shows.
 *
 * <p>The buffer is Logback's {@link CyclicBufferAppender} named {@value #BUFFER} on the root
 * logger, configured in runtime/etc/logback.xml so that it holds the session from the first
 * message on; bounded, it drops the oldest message first. Where the configuration has none (the
 * Pax Exam suite's), this class attaches one of {@value #DEFAULT_SIZE} messages and detaches it
 * on {@link #close()}; it then holds what was logged after that. The console is the appender named
 * {@value #CONSOLE} with a {@link ThresholdFilter}.
 *
 * <p>Logback owns the appenders; this class only reads the buffer and sets the console filter's
 * level. Safe for concurrent use.
 */
final class Kmsg implements AutoCloseable {
    /** The buffer appender's name in logback.xml. */
    static final String BUFFER = "KMSG";
    /** The console appender's name in logback.xml. */
    static final String CONSOLE = "CONSOLE";
    /** Messages kept by a buffer this class attaches itself (logback.xml sets its own size). */
    static final int DEFAULT_SIZE = 4096;
    /** The levels a console threshold can have, lowest first; decide() tells which passes. */
    private static final List<Level> LEVELS = List.of(Level.TRACE, Level.DEBUG, Level.INFO, Level.WARN, Level.ERROR);

    /** One message as the buffer holds it; {@code sinceBoot} is from the JVM's start. */
    record Record(Instant time, Duration sinceBoot, Level level, String logger, String message, String throwable) {
    }

    private final Logger root;
    private final CyclicBufferAppender<ILoggingEvent> buffer;
    private final boolean attached;
    private final Instant boot;

    /**
     * Opens the buffer of {@code context}'s root logger, attaching one if there is none.
     *
     * @param boot the instant the relative timestamps count from (the JVM's start)
     */
    @SuppressWarnings("unchecked")
    Kmsg(LoggerContext context, Instant boot) {
        this.boot = boot;
        this.root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> a = root.getAppender(BUFFER);
        if (a instanceof CyclicBufferAppender<?> c) {
            buffer = (CyclicBufferAppender<ILoggingEvent>) c;
            attached = false;
        } else {
            buffer = new CyclicBufferAppender<>();
            buffer.setName(BUFFER);
            buffer.setContext(context);
            buffer.setMaxSize(DEFAULT_SIZE);
            buffer.start();
            root.addAppender(buffer);
            attached = true;
        }
    }

    /** @return the buffer's messages, oldest first, as one consistent snapshot */
    List<Record> read() {
        List<Record> out = new ArrayList<>();
        // AppenderBase.doAppend holds the appender's monitor: no message lands while we copy
        synchronized (buffer) {
            int n = buffer.getLength();
            for (int i = 0; i < n; i++) {
                out.add(record(buffer.get(i)));
            }
        }
        return out;
    }

    private Record record(ILoggingEvent e) {
        Instant t = e.getInstant();
        IThrowableProxy tp = e.getThrowableProxy();
        String thrown = tp == null ? null
                : tp.getMessage() == null ? tp.getClassName() : tp.getClassName() + ": " + tp.getMessage();
        return new Record(t, Duration.between(boot, t), e.getLevel(), e.getLoggerName(), e.getFormattedMessage(), thrown);
    }

    /** @return how many messages the buffer keeps at most */
    int capacity() {
        return buffer.getMaxSize();
    }

    /** Empties the buffer (dmesg -C). */
    void clear() {
        synchronized (buffer) {
            buffer.reset();
        }
    }

    /**
     * @return the console's level: the lowest level it prints, empty if the configuration has no
     *     {@value #CONSOLE} appender with a threshold
     */
    Optional<Level> consoleLevel() {
        return consoleFilter().map(f -> {
            for (Level l : LEVELS) {
                LoggingEvent probe = new LoggingEvent();
                probe.setLevel(l);
                if (f.decide(probe) != FilterReply.DENY) {
                    return l;
                }
            }
            return Level.OFF;
        });
    }

    /**
     * Sets the console's level (dmesg -n): messages below it still reach the file and the buffer.
     *
     * @throws DriverException ENODEV if the configuration has no {@value #CONSOLE} appender with a
     *     threshold filter
     */
    void setConsoleLevel(Level level) {
        ThresholdFilter f = consoleFilter().orElseThrow(() -> new DriverException(Errno.ENODEV,
                "the logging configuration has no " + CONSOLE + " appender with a ThresholdFilter"));
        f.setLevel(level.toString());
    }

    private Optional<ThresholdFilter> consoleFilter() {
        Appender<ILoggingEvent> console = root.getAppender(CONSOLE);
        if (console == null) {
            return Optional.empty();
        }
        for (Filter<ILoggingEvent> f : console.getCopyOfAttachedFiltersList()) {
            if (f instanceof ThresholdFilter t) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Detaches the buffer if this class attached it; a configured one stays. */
    @Override
    public void close() {
        if (attached) {
            root.detachAppender(buffer);
            buffer.stop();
        }
    }
}
