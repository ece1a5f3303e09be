package org.nova.runtime;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
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
 * <p>{@code log:level} is {@link LogLevelCommands}, registered by this component. Errors are {@link DriverException}s: EINVAL for a level nobody knows, ENODEV when the logging
 * backend is not Logback.
 */
@Component(service = LogCommands.class, immediate = true, property = {
        "osgi.command.scope=" + LogCommands.SCOPE,
        "osgi.command.function=dmesg" })
public final class LogCommands {
    /** The command scope. */
    static final String SCOPE = "log";

    private final Kmsg kmsg;
    private final LogLevelCommands levels;
    private ServiceRegistration<LogLevelCommands> levelRegistration;

    @Activate
    public LogCommands(BundleContext bundleContext) {
        this(loggerContext(), Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()));
        // log:level is a service object of its own (registered at activation, hence immediate):
        // its usage-line catch-all (_main) would
        // otherwise compete with dmesg's options in Gogo's choice of method, and win
        levelRegistration = bundleContext.registerService(LogLevelCommands.class, levels, FrameworkUtil.asDictionary(
                Map.of("osgi.command.scope", SCOPE, "osgi.command.function", LogLevelCommands.FUNCTION)));
    }

    /** For tests: a Logback context of their own, timestamps counted from {@code boot}. */
    LogCommands(LoggerContext context, Instant boot) {
        this.kmsg = new Kmsg(context, boot);
        this.levels = new LogLevelCommands(context, kmsg);
    }

    /** @return log:level, which shares this scope's log buffer and console */
    LogLevelCommands levels() {
        return levels;
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
        if (levelRegistration != null) {
            try {
                levelRegistration.unregister();
            } catch (IllegalStateException e) {
                // already gone with the bundle
            }
        }
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

}
