package org.nova.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;

import org.apache.felix.service.command.Descriptor;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.shell.Usage;

/**
 * {@code log:level}: a logger's level at run time, as Logback's configuration sets it at start;
 * changes last until the runtime stops. Owned and registered by {@link LogCommands}, whose log
 * buffer knows the console's level.
 *
 * <p>Errors are {@link DriverException}s: EINVAL for a level nobody knows, and the usage line for
 * arguments no form takes.
 */
public final class LogLevelCommands {
    /** The command's function name. */
    static final String FUNCTION = "level";
    /** log:level's word for "no level of its own: inherit the parent's". */
    static final String INHERIT = "inherit";

    private final LoggerContext context;
    private final Kmsg kmsg;

    LogLevelCommands(LoggerContext context, Kmsg kmsg) {
        this.context = context;
        this.kmsg = kmsg;
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
        throw new DriverException(Errno.EINVAL, Usage.message(getClass(), LogCommands.SCOPE, argv));
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
