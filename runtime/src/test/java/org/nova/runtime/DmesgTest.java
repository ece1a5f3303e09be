package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import ch.qos.logback.classic.Level;

import org.junit.jupiter.api.Test;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.runtime.Dmesg.KernLevel;

class DmesgTest {
    private static final Instant BOOT = Instant.parse("2026-12-06T06:52:25Z");

    private static Kmsg.Record rec(long micros, Level level, String message) {
        Instant t = BOOT.plus(Duration.ofNanos(micros * 1000));
        return new Kmsg.Record(t, Duration.between(BOOT, t), level, "org.nova.test", message, null);
    }

    private static final List<Kmsg.Record> LOG = List.of(
            rec(412_345, Level.INFO, "pci 0000:00:05.0: bound to NovaCore, probe took 180.0 ms"),
            rec(1_500_000, Level.WARN, "pci 0000:00:02.0: probe with driver x failed after 12 us with error EIO"),
            rec(2_000_001, Level.DEBUG, "uevent 7 bind /devices/sim0/0000:00:05.0 (pci) DRIVER=NovaCore"),
            rec(12_345_000_001L, Level.ERROR, "auxiliary NovaCore.nova-drm.0: gone"));

    private static Dmesg.Options only(Set<KernLevel> levels, String... match) {
        return new Dmesg.Options(false, false, levels, List.of(match));
    }

    @Test
    void printsSecondsSinceBootAsDmesgDoes() {
        assertEquals("    0.412345", Dmesg.timestamp(Duration.ofNanos(412_345_678)));
        assertEquals("12345.000001", Dmesg.timestamp(Duration.ofSeconds(12345, 1000)));
        assertEquals("    0.000000", Dmesg.timestamp(Duration.ofMillis(-3)));
        assertEquals("""
                [    0.412345] pci 0000:00:05.0: bound to NovaCore, probe took 180.0 ms
                [    1.500000] pci 0000:00:02.0: probe with driver x failed after 12 us with error EIO
                [    2.000001] uevent 7 bind /devices/sim0/0000:00:05.0 (pci) DRIVER=NovaCore
                [12345.000001] auxiliary NovaCore.nova-drm.0: gone
                """, Dmesg.format(LOG, Dmesg.Options.all(), ZoneOffset.UTC));
    }

    @Test
    void ctimeAndDecodeAsDmesgTx() {
        String out = Dmesg.format(LOG.subList(0, 2), new Dmesg.Options(true, true, EnumSet.allOf(KernLevel.class),
                List.of()), ZoneOffset.UTC);
        assertEquals("""
                kern  :info  : [Sun Dec  6 06:52:25 2026] pci 0000:00:05.0: bound to NovaCore, probe took 180.0 ms
                kern  :warn  : [Sun Dec  6 06:52:26 2026] pci 0000:00:02.0: probe with driver x failed after 12 us with error EIO
                """, out);
    }

    @Test
    void filtersByLevelAndByText() {
        assertEquals("""
                [    1.500000] pci 0000:00:02.0: probe with driver x failed after 12 us with error EIO
                [12345.000001] auxiliary NovaCore.nova-drm.0: gone
                """, Dmesg.format(LOG, only(KernLevel.parseList("err,warn")), ZoneOffset.UTC));
        assertEquals("""
                [    0.412345] pci 0000:00:05.0: bound to NovaCore, probe took 180.0 ms
                [    2.000001] uevent 7 bind /devices/sim0/0000:00:05.0 (pci) DRIVER=NovaCore
                """, Dmesg.format(LOG, only(EnumSet.allOf(KernLevel.class), "0000:00:05.0"), ZoneOffset.UTC));
        assertEquals(2, Dmesg.format(LOG, only(EnumSet.allOf(KernLevel.class), "0000:00:02.0", "nova-drm"),
                ZoneOffset.UTC).lines().count());
        assertEquals("", Dmesg.format(LOG, only(EnumSet.of(KernLevel.CRIT)), ZoneOffset.UTC));
    }

    @Test
    void aThrowableFollowsItsMessage() {
        Kmsg.Record r = new Kmsg.Record(BOOT, Duration.ZERO, Level.ERROR, "x", "remove failed",
                "java.lang.IllegalStateException: busy");
        assertEquals("[    0.000000] remove failed (java.lang.IllegalStateException: busy)\n",
                Dmesg.format(List.of(r), Dmesg.Options.all(), ZoneOffset.UTC));
    }

    @Test
    void levelsByNameNumberOrLogbackName() {
        assertEquals(KernLevel.ERR, KernLevel.parse("err"));
        assertEquals(KernLevel.ERR, KernLevel.parse("3"));
        assertEquals(KernLevel.ERR, KernLevel.parse("ERROR"));
        assertEquals(KernLevel.WARN, KernLevel.parse("warning"));
        assertEquals(KernLevel.DEBUG, KernLevel.parse("trace"));
        assertEquals(EnumSet.allOf(KernLevel.class), KernLevel.parseList(""));
        assertEquals(EnumSet.of(KernLevel.INFO, KernLevel.DEBUG), KernLevel.parseList("info,,debug"));
        DriverException e = assertThrows(DriverException.class, () -> KernLevel.parseList("info,loud"));
        assertEquals(Errno.EINVAL, e.errno());
        assertEquals(KernLevel.INFO, KernLevel.of(Level.INFO));
        assertEquals(KernLevel.DEBUG, KernLevel.of(Level.TRACE));
        assertEquals(Level.ERROR, KernLevel.CRIT.logback());
        assertEquals(Level.INFO, KernLevel.NOTICE.logback());
    }
}
