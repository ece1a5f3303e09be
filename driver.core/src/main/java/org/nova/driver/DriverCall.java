package org.nova.driver;

import java.time.Duration;
import java.util.Locale;

/**
 * A driver's probe or remove that is running now, with how long it has run: what names a driver
 * that hangs, as the kernel's hung-task report names the blocked task. A snapshot; the caller owns it.
 *
 * @param bus the device's bus
 * @param device the device's name
 * @param driver the driver whose callback runs
 * @param kind which callback
 * @param running how long it has been running
 */
public record DriverCall(String bus, String device, String driver, Kind kind, Duration running) {
    /** The driver callbacks the core runs. */
    public enum Kind {
        /** The bus's probe, on behalf of the driver. */
        PROBE,
        /** The bus's remove, on behalf of the driver. */
        REMOVE
    }

    /** @return e.g. "pci 0000:00:02.0: remove by edu_sample, running for 12.3 s" */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s: %s by %s, running for %.1f s", bus, device,
                kind.name().toLowerCase(Locale.ROOT), driver, running.toMillis() / 1000.0);
    }
}
