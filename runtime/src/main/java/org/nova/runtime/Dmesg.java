package org.nova.runtime;

import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import ch.qos.logback.classic.Level;

import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * util-linux sys-utils/dmesg.c: prints the log buffer ({@link Kmsg}) as dmesg does — a timestamp
 * in seconds since boot ({@code [    1.234567]}) or, with {@code -T}, as a date; with {@code -x}
 * the facility and level first; {@code -l} keeps only the levels named. The messages are what the
 * runtime logged: the driver core's probe, bind and unbind lines with their timings, uevents,
 * driver registrations, and what the drivers themselves say.
 */
final class Dmesg {
    /** Microseconds in a second: the fraction of dmesg's {@code [seconds.micros]} timestamp. */
    private static final long MICROS_PER_SECOND = 1_000_000;
    /** dmesg -T's date, as ctime(3) writes it. */
    private static final DateTimeFormatter CTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH);
    /** dmesg -x prints this facility: every message here is the runtime's, as kern is the kernel's. */
    private static final String FACILITY = "kern";

    /**
     * include/linux/kern_levels.h: the kernel's message levels, most severe first, with the names
     * dmesg uses for them (-l, -n, -x).
     */
    enum KernLevel {
        EMERG("emerg"), ALERT("alert"), CRIT("crit"), ERR("err"), WARN("warn"), NOTICE("notice"), INFO("info"),
        DEBUG("debug");

        final String label;

        KernLevel(String label) {
            this.label = label;
        }

        /** @return the kernel level a Logback level prints as (TRACE has none of its own: debug) */
        static KernLevel of(Level level) {
            return switch (level.toInt()) {
                case Level.ERROR_INT -> ERR;
                case Level.WARN_INT -> WARN;
                case Level.INFO_INT -> INFO;
                default -> DEBUG;
            };
        }

        /** @return the Logback level that lets this level and the more severe ones through */
        Level logback() {
            return switch (this) {
                case EMERG, ALERT, CRIT, ERR -> Level.ERROR;
                case WARN -> Level.WARN;
                case NOTICE, INFO -> Level.INFO;
                case DEBUG -> Level.DEBUG;
            };
        }

        /**
         * Parses a level as dmesg does: its name or its number (0 emerg .. 7 debug); Logback's
         * names (error, warning, trace) are accepted too.
         *
         * @throws DriverException EINVAL naming the level and the known ones
         */
        static KernLevel parse(String s) {
            String n = s.trim().toLowerCase(Locale.ROOT);
            for (KernLevel l : values()) {
                if (l.label.equals(n) || Integer.toString(l.ordinal()).equals(n)) {
                    return l;
                }
            }
            return switch (n) {
                case "error" -> ERR;
                case "warning" -> WARN;
                case "trace" -> DEBUG;
                default -> throw new DriverException(Errno.EINVAL, "unknown level '" + s
                        + "': dmesg knows emerg, alert, crit, err, warn, notice, info, debug (or 0..7)");
            };
        }

        /** Parses dmesg -l's comma-separated list; empty means every level. */
        static Set<KernLevel> parseList(String list) {
            Set<KernLevel> out = EnumSet.noneOf(KernLevel.class);
            for (String s : list.split(",")) {
                if (!s.isBlank()) {
                    out.add(parse(s));
                }
            }
            return out.isEmpty() ? EnumSet.allOf(KernLevel.class) : out;
        }
    }

    /**
     * What to print.
     *
     * @param ctime dates instead of seconds since boot (-T)
     * @param decode the facility and level before each message (-x)
     * @param levels the levels to print (-l); every level when all are in
     * @param match only messages containing one of these texts (a device name, a driver); none: all
     */
    record Options(boolean ctime, boolean decode, Set<KernLevel> levels, List<String> match) {
        Options {
            levels = Set.copyOf(levels);
            match = List.copyOf(match);
        }

        /** dmesg with no option: every message, seconds since boot. */
        static Options all() {
            return new Options(false, false, EnumSet.allOf(KernLevel.class), List.of());
        }
    }

    private Dmesg() {
    }

    /** @return the records {@code o} selects, one line each (a multi-line message keeps its lines) */
    static String format(List<Kmsg.Record> records, Options o, ZoneId zone) {
        StringBuilder sb = new StringBuilder();
        for (Kmsg.Record r : records) {
            if (selected(r, o)) {
                line(sb, r, o, zone);
            }
        }
        return sb.toString();
    }

    private static boolean selected(Kmsg.Record r, Options o) {
        if (!o.levels().contains(KernLevel.of(r.level()))) {
            return false;
        }
        if (o.match().isEmpty()) {
            return true;
        }
        for (String m : o.match()) {
            if (r.message().contains(m)) {
                return true;
            }
        }
        return false;
    }

    private static void line(StringBuilder sb, Kmsg.Record r, Options o, ZoneId zone) {
        if (o.decode()) {
            sb.append(String.format(Locale.ROOT, "%-6s:%-6s: ", FACILITY, KernLevel.of(r.level()).label));
        }
        sb.append('[');
        if (o.ctime()) {
            sb.append(CTIME.format(r.time().atZone(zone)));
        } else {
            sb.append(timestamp(r.sinceBoot()));
        }
        sb.append("] ").append(r.message());
        if (r.throwable() != null) {
            sb.append(" (").append(r.throwable()).append(')');
        }
        sb.append('\n');
    }

    /** @return dmesg's {@code %5lld.%06ld}: seconds since boot, then microseconds */
    static String timestamp(Duration sinceBoot) {
        long micros = Math.max(0, sinceBoot.dividedBy(ChronoUnit.MICROS.getDuration()));
        return String.format(Locale.ROOT, "%5d.%06d", micros / MICROS_PER_SECOND, micros % MICROS_PER_SECOND);
    }
}
