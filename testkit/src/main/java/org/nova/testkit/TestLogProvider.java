package org.nova.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J 2 provider of a test that has the test kit on its class path (found through
 * {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}): every logger writes into
 * {@link TestLog}, so a test sees what its driver logged. In the runtime the driver's lines go to
 * Logback instead; the driver's code is the same. A test class path with a second provider
 * (slf4j-simple, Logback) makes SLF4J choose one and say so: then the test kit's log is empty.
 */
public final class TestLogProvider implements SLF4JServiceProvider {
    /** The SLF4J API version this provider is written for (slf4j-api 2.0.x). */
    private static final String API_VERSION = "2.0.99";

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, CapturingLogger::new);
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new BasicMDCAdapter();

    /** Called by SLF4J's service loader. */
    public TestLogProvider() {
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return API_VERSION;
    }

    @Override
    public void initialize() {
    }

    /** A logger that formats each call once and hands the line to {@link TestLog}. */
    private static final class CapturingLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;

        CapturingLogger(String name) {
            this.name = name;
        }

        @Override
        public boolean isTraceEnabled() {
            return TestLog.enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return TestLog.enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return TestLog.enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return TestLog.enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return TestLog.enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                Throwable thrown) {
            TestLog.add(level, name, MessageFormatter.basicArrayFormat(pattern, arguments), thrown);
        }
    }
}
