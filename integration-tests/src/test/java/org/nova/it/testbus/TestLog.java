package org.nova.it.testbus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.osgi.framework.Bundle;

/**
 * What the test drivers did, in order: a static log in the test bus bundle, shared by every
 * driver bundle and read by the tests (they import this package from the test bus bundle).
 */
public final class TestLog {
    /**
     * One callback of a driver.
     *
     * @param driver the driver name
     * @param version the driver bundle's version
     * @param what "probe", "remove", "acquire:NAME" or "release:NAME"
     * @param device the device name
     * @param bundleState the driver bundle's state when the callback ran (Bundle.ACTIVE, STOPPING...)
     * @param liveForBundle the core's live devres count for the driver's bundle at that moment, -1 if unknown
     */
    public record Entry(String driver, String version, String what, String device, int bundleState,
            int liveForBundle) {
        /** @return the bundle state as a word */
        public String state() {
            return switch (bundleState) {
                case Bundle.ACTIVE -> "ACTIVE";
                case Bundle.STOPPING -> "STOPPING";
                case Bundle.STARTING -> "STARTING";
                case Bundle.RESOLVED -> "RESOLVED";
                case Bundle.INSTALLED -> "INSTALLED";
                case Bundle.UNINSTALLED -> "UNINSTALLED";
                default -> Integer.toString(bundleState);
            };
        }

        @Override
        public String toString() {
            return driver + "-" + version + " " + what + " " + device + " [" + state() + "]";
        }
    }

    private static final List<Entry> ENTRIES = new ArrayList<>();

    private TestLog() {
    }

    /** Records a callback. */
    public static void record(String driver, String version, String what, String device, Bundle bundle,
            int liveForBundle) {
        synchronized (ENTRIES) {
            ENTRIES.add(new Entry(driver, version, what, device, bundle.getState(), liveForBundle));
        }
    }

    /** @return the number of entries so far: a mark for {@link #since} */
    public static int size() {
        synchronized (ENTRIES) {
            return ENTRIES.size();
        }
    }

    /** @return every entry from index {@code mark} on */
    public static List<Entry> since(int mark) {
        synchronized (ENTRIES) {
            return List.copyOf(ENTRIES.subList(Math.min(mark, ENTRIES.size()), ENTRIES.size()));
        }
    }

    /** @return the entries from {@code mark} on that satisfy {@code filter} */
    public static List<Entry> since(int mark, Predicate<Entry> filter) {
        return since(mark).stream().filter(filter).toList();
    }

    /** @return every entry */
    public static List<Entry> all() {
        return since(0);
    }

    /** Forgets everything. */
    public static void clear() {
        synchronized (ENTRIES) {
            ENTRIES.clear();
        }
    }
}
