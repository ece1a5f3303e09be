package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/** The runtime's one logging file, runtime/etc/logback.xml, as the commands see it. */
class LogCommandsTest {
    /** The configuration the nova script passes (tests run in the module's folder). */
    private static final Path LOGBACK_XML = Path.of("etc/logback.xml");

    @TempDir
    Path tmp;
    private LoggerContext context;

    /** Configures a fresh context from logback.xml; {@code env} stands for the environment. */
    private LoggerContext configure(Map<String, String> env) throws Exception {
        context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // what the SLF4J provider sets up
        context.putProperty("nova.log.dir", tmp.resolve("log").toString());
        env.forEach(context::putProperty);
        JoranConfigurator j = new JoranConfigurator();
        j.setContext(context);
        j.doConfigure(LOGBACK_XML.toFile());
        assertTrue(new StatusUtil(context).getHighestLevel(0) < Status.WARN,
                () -> "logback.xml configured with problems: " + context.getStatusManager().getCopyOfStatusList());
        return context;
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
    }

    @Test
    void theConsoleShowsWarningsTheFileAndDmesgEverything() throws Exception {
        configure(Map.of());
        LogCommands cmd = new LogCommands(context, Instant.now());
        Logger binding = context.getLogger("org.nova.driver.core.Binding");
        binding.info("pci 0000:00:05.0: bound to NovaCore, probe took 180.0 ms");
        binding.warn("pci 0000:00:02.0: probe with driver x failed after 3.0 ms with error EIO");

        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        assertTrue(cmd.levels().level().contains("console  WARN"), cmd.levels().level());
        Path file = tmp.resolve("log/nova.log");
        assertTrue(root.getAppender("FILE") instanceof RollingFileAppender<?>);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.contains("INFO  [") && text.contains("bound to NovaCore, probe took 180.0 ms"), () -> file + ": " + text);
        assertTrue(text.contains("WARN  [") && text.contains("failed after 3.0 ms"), text);

        String dmesg = cmd.dmesg(false, false, "", "", false, false);
        assertTrue(dmesg.matches("(?s)\\[ +\\d+\\.\\d{6}] pci 0000:00:05\\.0: bound to NovaCore, probe took 180\\.0 ms\n"
                + "\\[ +\\d+\\.\\d{6}] pci 0000:00:02\\.0: probe with driver x failed.*\n"), dmesg);
        assertEquals(1, cmd.dmesg(false, false, "warn", "", false, false).lines().count());
        assertEquals(1, cmd.dmesg(false, false, "", "", false, false, "0000:00:05.0").lines().count());
    }

    @Test
    void novaLogDebugStillShowsDebugOnTheConsoleAndNovaConsoleLogOverridesIt() throws Exception {
        configure(Map.of("NOVA_LOG", "debug"));
        assertEquals(Level.DEBUG, context.getLogger(Logger.ROOT_LOGGER_NAME).getLevel());
        assertEquals(Optional.of(Level.DEBUG), new Kmsg(context, Instant.now()).consoleLevel());
        context.stop();
        configure(Map.of("NOVA_LOG", "debug", "NOVA_CONSOLE_LOG", "error"));
        assertEquals(Optional.of(Level.ERROR), new Kmsg(context, Instant.now()).consoleLevel());
    }

    @Test
    void dmesgDashNSetsTheConsoleLevelAndDashCClears() throws Exception {
        configure(Map.of());
        LogCommands cmd = new LogCommands(context, Instant.now());
        assertEquals("console level: info\n", cmd.dmesg(false, false, "", "info", false, false));
        assertTrue(cmd.levels().level().contains("console  INFO"), cmd.levels().level());
        assertEquals("console level: err\n", cmd.dmesg(false, false, "", "crit", false, false));
        context.getLogger("a").info("one");
        assertFalse(cmd.dmesg(false, false, "", "", true, false).isEmpty(), "-c prints, then clears");
        assertNull(cmd.dmesg(false, false, "", "", false, false), "nothing selected, nothing printed");
        context.getLogger("a").info("two");
        assertNull(cmd.dmesg(false, false, "", "", false, true), "-C prints nothing");
        assertNull(cmd.dmesg(false, false, "", "", false, false));
        assertEquals(Errno.EINVAL, assertThrows(DriverException.class,
                () -> cmd.dmesg(false, false, "", "loud", false, false)).errno());
    }

    @Test
    void logLevelSetsShowsAndResetsALogger() throws Exception {
        configure(Map.of());
        LogCommands cmd = new LogCommands(context, Instant.now());
        assertEquals("org.nova.driver: INFO (inherited)\n", cmd.levels().level("org.nova.driver"));
        assertEquals("org.nova.driver: DEBUG\n", cmd.levels().level("org.nova.driver", "debug"));
        assertTrue(context.getLogger("org.nova.driver.core.Binding").isDebugEnabled());
        assertTrue(cmd.levels().level().contains("org.nova.driver  DEBUG"), cmd.levels().level());
        assertEquals("org.nova.driver: ERROR\n", cmd.levels().level("org.nova.driver", "err"), "dmesg's names work too");
        assertEquals("org.nova.driver: INFO (inherited)\n", cmd.levels().level("org.nova.driver", "inherit"));
        DriverException e = assertThrows(DriverException.class, () -> cmd.levels().level("org.nova.driver", "loud"));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("'loud'"), e.getMessage());
    }
}
