package org.nova.runtime;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The {@code log} shell scope: {@code dmesg} (the log of the session, as the kernel's dmesg shows
 * its ring buffer; {@code -n} sets what the console shows) and {@code log:level} (a logger's level
 * at run time, as Logback's configuration sets it at start). Changes last until the runtime stops;
 * runtime/etc/logback.xml holds the levels a session starts with.
 *
 * <p>Errors are {@link DriverException}s: EINVAL for a level nobody knows, ENODEV when the logging
 * backend is not Logback.
 */
@Component(service = LogCommands.class, property = {
        "osgi.command.scope=" + LogCommands.SCOPE,
        "osgi.command.function=dmesg",
        "osgi.command.function=level" })
public final class LogCommands {
    /** log:level's word for "no level of its own: inherit the parent's". */
    static final String INHERIT = "inherit";
    /** The command scope. */
    static final String SCOPE = "log";

    private final LoggerContext context;
    private final Kmsg kmsg;

    @Activate
    public LogCommands() {
        this(loggerContext(), Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()));
    }

    /** For tests: a Logback context of their own, timestamps counted from {@code boot}. */
    LogCommands(LoggerContext context, Instant boot) {
        this.context = context;
        this.kmsg = new Kmsg(context, boot);
    }

    private static LoggerContext loggerContext() {
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        if (f instanceof LoggerContext lc) {
            return lc;
        }
        throw new DriverException(Errno.ENODEV, "the SLF4J provider is " + f.getClass().getName()
                + ", not Logback: dmesg and log:level need Logback");
    }

    @Deactivate
    void deactivate() {
        kmsg.close();
    }

    /** dmesg [OPTIONS] [TEXT...] — the session's log; null (Gogo prints nothing) when nothing is selected. */
    @Descriptor("print the session's log as dmesg does: probes, binds and unbinds with their timings, uevents, "
            + "driver registrations and the drivers' own messages")
    public String dmesg(
            @Descriptor("print dates instead of seconds since the runtime started")
            @Parameter(names = { "-T", "--ctime" }, presentValue = "true", absentValue = "false") boolean ctime,
            @Descriptor("print the facility and level of each message")
            @Parameter(names = { "-x", "--decode" }, presentValue = "true", absentValue = "false") boolean decode,
            @Descriptor("LEVELS: print only these levels, comma-separated: emerg,alert,crit,err,warn,notice,info,debug")
            @Parameter(names = { "-l", "--level" }, absentValue = "") String levels,
            @Descriptor("LEVEL: set the lowest level the console prints (e.g. info, warn) and print nothing else")
            @Parameter(names = { "-n", "--console-level" }, absentValue = "") String consoleLevel,
            @Descriptor("clear the log after printing it")
            @Parameter(names = { "-c", "--read-clear" }, presentValue = "true", absentValue = "false") boolean readClear,
            @Descriptor("clear the log and print nothing")
            @Parameter(names = { "-C", "--clear" }, presentValue = "true", absentValue = "false") boolean clear,
            @Descriptor("TEXT: print only messages containing one of these texts (a device such as 0000:00:05.0, a driver)")
            String... match) {
        if (!consoleLevel.isEmpty()) {
            Level l = Dmesg.KernLevel.parse(consoleLevel).logback();
            kmsg.setConsoleLevel(l);
            return "console level: " + Dmesg.KernLevel.of(l).label + "\n";
        }
        if (clear) {
            kmsg.clear();
            return null;
        }
        Dmesg.Options o = new Dmesg.Options(ctime, decode, Dmesg.KernLevel.parseList(levels),
                match == null ? List.of() : Arrays.asList(match));
        String out = Dmesg.format(kmsg.read(), o, ZoneId.systemDefault());
        if (readClear) {
            kmsg.clear();
        }
        return out.isEmpty() ? null : out;
    }

    /** log:level — every logger with a level of its own, and the console's. */
    @Descriptor("list the loggers that have a level of their own, and the console's level")
    public String level() {
        StringBuilder sb = new StringBuilder();
        List<Logger> set = new ArrayList<>();
        int width = "console".length();
        for (Logger l : context.getLoggerList()) {
            if (l.getLevel() != null) {
                set.add(l);
                width = Math.max(width, l.getName().length());
            }
        }
        String row = "%-" + width + "s  %s%n";
        for (Logger l : set) {
            sb.append(String.format(Locale.ROOT, row, l.getName(), l.getLevel()));
        }
        kmsg.consoleLevel().ifPresent(c -> sb.append(String.format(Locale.ROOT, row, "console", c)));
        return sb.toString();
    }

    /** log:level LOGGER — one logger's level and where it comes from. */
    @Descriptor("show a logger's level")
    public String level(@Descriptor("LOGGER: a class or package name, or ROOT") String logger) {
        Logger l = context.getLogger(logger);
        Level own = l.getLevel();
        return l.getName() + ": " + l.getEffectiveLevel() + (own == null ? " (inherited)" : "") + "\n";
    }

    /** log:level LOGGER LEVEL — sets a logger's level until the runtime stops. */
    @Descriptor("set a logger's level until the runtime stops")
    public String level(@Descriptor("LOGGER: a class or package name, or ROOT") String logger,
            @Descriptor("LEVEL: trace, debug, info, warn, error, off, or inherit (the parent's)") String level) {
        Logger l = context.getLogger(logger);
        l.setLevel(parseLevel(level));
        return level(logger);
    }

    /** Gogo's catch-all: log:level with arguments none of its forms takes gets the usage line. */
    public String _main(String... argv) {
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), SCOPE, argv));
    }

    /**
     * @return the Logback level named (or the kernel level's equivalent), null for {@value #INHERIT}
     * @throws DriverException EINVAL for a name neither knows
     */
    static Level parseLevel(String s) {
        if (INHERIT.equalsIgnoreCase(s)) {
            return null;
        }
        Level l = Level.toLevel(s, null);
        if (l != null) {
            return l;
        }
        try {
            return Dmesg.KernLevel.parse(s).logback();
        } catch (DriverException e) {
            throw new DriverException(Errno.EINVAL, "unknown level '" + s
                    + "': use trace, debug, info, warn, error, off or " + INHERIT);
        }
    }
}
