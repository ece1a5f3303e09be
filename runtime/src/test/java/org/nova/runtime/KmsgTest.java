package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.CyclicBufferAppender;
import ch.qos.logback.core.read.ListAppender;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

class KmsgTest {
    private LoggerContext context;
    private Logger root;
    private final Instant boot = Instant.now();

    @BeforeEach
    void setUp() {
        context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // what the SLF4J provider sets up
        root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
    }

    private void configuredBuffer(int size) {
        CyclicBufferAppender<ILoggingEvent> b = new CyclicBufferAppender<>();
        b.setName(Kmsg.BUFFER);
        b.setContext(context);
        b.setMaxSize(size);
        b.start();
        root.addAppender(b);
    }

    private ListAppender<ILoggingEvent> console(String threshold) {
        ListAppender<ILoggingEvent> c = new ListAppender<>();
        c.setName(Kmsg.CONSOLE);
        c.setContext(context);
        ThresholdFilter f = new ThresholdFilter();
        f.setLevel(threshold);
        f.start();
        c.addFilter(f);
        c.start();
        root.addAppender(c);
        return c;
    }

    private static List<String> messages(Kmsg k) {
        return k.read().stream().map(Kmsg.Record::message).toList();
    }

    @Test
    void theBufferIsBoundedAndDropsTheOldestFirst() {
        configuredBuffer(3);
        try (Kmsg k = new Kmsg(context, boot)) {
            Logger log = context.getLogger("org.nova.driver.core.Binding");
            for (int i = 1; i <= 5; i++) {
                log.info("pci 0000:00:0{}.0: bound to x, probe took {} ms", i, i * 10);
            }
            log.debug("below the root level: not in the buffer");
            assertEquals(3, k.capacity());
            assertEquals(List.of("pci 0000:00:03.0: bound to x, probe took 30 ms",
                    "pci 0000:00:04.0: bound to x, probe took 40 ms",
                    "pci 0000:00:05.0: bound to x, probe took 50 ms"), messages(k));
            Kmsg.Record r = k.read().get(0);
            assertEquals(Level.INFO, r.level());
            assertEquals("org.nova.driver.core.Binding", r.logger());
            assertTrue(!r.sinceBoot().isNegative() && r.sinceBoot().toSeconds() < 60, r.sinceBoot().toString());
            k.clear();
            assertEquals(List.of(), k.read());
            log.warn("after the clear", new IllegalStateException("busy"));
            assertEquals("java.lang.IllegalStateException: busy", k.read().get(0).throwable());
        }
        assertNotNull(root.getAppender(Kmsg.BUFFER), "a configured buffer stays when the reader closes");
    }

    @Test
    void withoutAConfiguredBufferItAttachesOneAndDetachesItOnClose() {
        Kmsg k = new Kmsg(context, boot);
        context.getLogger("x").info("one");
        assertEquals(List.of("one"), messages(k));
        assertEquals(Kmsg.DEFAULT_SIZE, k.capacity());
        k.close();
        assertNull(root.getAppender(Kmsg.BUFFER));
    }

    @Test
    void theConsoleLevelIsReadAndSetOnTheConsoleThreshold() {
        ListAppender<ILoggingEvent> c = console("WARN");
        try (Kmsg k = new Kmsg(context, boot)) {
            Logger log = context.getLogger("org.nova.x");
            assertEquals(Optional.of(Level.WARN), k.consoleLevel());
            log.info("quiet");
            log.warn("loud");
            assertEquals(List.of("loud"), c.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
            assertEquals(List.of("quiet", "loud"), messages(k), "the buffer has every message");
            k.setConsoleLevel(Level.INFO);
            assertEquals(Optional.of(Level.INFO), k.consoleLevel());
            log.info("now shown");
            assertEquals("now shown", c.list.get(c.list.size() - 1).getFormattedMessage());
        }
    }

    @Test
    void noConsoleAppenderIsENODEV() {
        try (Kmsg k = new Kmsg(context, boot)) {
            assertEquals(Optional.empty(), k.consoleLevel());
            DriverException e = assertThrows(DriverException.class, () -> k.setConsoleLevel(Level.INFO));
            assertEquals(Errno.ENODEV, e.errno());
        }
    }
}
