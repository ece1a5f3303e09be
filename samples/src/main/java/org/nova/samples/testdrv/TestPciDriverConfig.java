package org.nova.samples.testdrv;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.nova.bus.pci.PciDeviceId;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.ProbeType;

/**
 * One configuration of the test PCI driver, checked whole before anything is registered: its
 * name, its id table and what its probe does. Every refusal is EINVAL naming the key and the
 * value.
 *
 * <p>An id entry is written as new_id takes one (drivers/pci/pci-driver.c new_id_store), hex
 * fields separated by blanks: {@code vendor device [subvendor subdevice [class class_mask
 * [driver_data]]]}, where {@code *} stands for PCI_ANY_ID in the first four, missing fields take
 * new_id's defaults (any subsystem, class 0 under mask 0, driver_data 0), and a last word
 * {@value #OVERRIDE_ONLY} marks the entry PCI_DEVICE_DRIVER_OVERRIDE's way. Unlike sscanf, a field
 * that is not hex is refused rather than ending the entry.
 *
 * @param name the driver's name
 * @param ids the id table, in order
 * @param probe what the probe does
 * @param devres how many devres the probe acquires
 * @param failStep for {@link Outcome#FAIL}: the acquisition (1-based) that fails, after
 *     {@code failStep - 1} succeeded
 * @param errno for {@link Outcome#FAIL}: the error
 * @param delayMs how long the probe sleeps before it acquires anything (a slow probe)
 * @param probeType the probe type the driver asks for
 */
public record TestPciDriverConfig(String name, List<PciDeviceId> ids, Outcome probe, int devres, int failStep,
        Errno errno, int delayMs, ProbeType probeType) {

    /** What a probe ends with. */
    public enum Outcome {
        /** Binds, holding its devres. */
        OK,
        /** Fails with the configured errno at acquisition {@code fail_step}. */
        FAIL,
        /** Returns -EPROBE_DEFER after acquiring its devres. */
        DEFER,
        /** Returns -ENODEV (rejects the device) after acquiring its devres. */
        ENODEV
    }

    /** Key: the driver's name. */
    public static final String KEY_NAME = "name";
    /** Key: the id entries. */
    public static final String KEY_IDS = "ids";
    /** Key: ok, fail, defer or enodev. */
    public static final String KEY_PROBE = "probe";
    /** Key: devres acquisitions per probe. */
    public static final String KEY_DEVRES = "devres";
    /** Key: the failing acquisition. */
    public static final String KEY_FAIL_STEP = "fail_step";
    /** Key: the errno of a failing probe. */
    public static final String KEY_ERRNO = "errno";
    /** Key: the probe's delay in ms. */
    public static final String KEY_DELAY_MS = "delay_ms";
    /** Key: sync or async. */
    public static final String KEY_PROBE_TYPE = "probe_type";

    /** Probe type value: the core's default (synchronous). */
    public static final String SYNC = "sync";
    /** Probe type value: PROBE_PREFER_ASYNCHRONOUS. */
    public static final String ASYNC = "async";
    /** The word marking an override-only entry. */
    public static final String OVERRIDE_ONLY = "override_only";
    /** The id field written for PCI_ANY_ID. */
    static final String ANY = "*";

    /** Default devres acquisitions. */
    public static final int DEFAULT_DEVRES = 2;
    /** Most devres acquisitions a probe may be configured for. */
    public static final int MAX_DEVRES = 64;
    /** Most id entries a configuration may list. */
    public static final int MAX_IDS = 64;
    /** Longest configurable probe delay: a minute (the shell waits at most 60 s for a settle). */
    public static final int MAX_DELAY_MS = 60_000;
    /** The longest driver name: the kernel's sysfs file names are at most NAME_MAX (255) bytes. */
    public static final int NAME_MAX = 255;
    /** Most fields of an entry: new_id's seven. */
    private static final int MAX_FIELDS = 7;
    /** Fewest fields of an entry: vendor and device. */
    private static final int MIN_FIELDS = 2;
    /** Field indexes. */
    private static final int SUBVENDOR = 2;
    private static final int SUBDEVICE = 3;
    private static final int CLASS = 4;
    private static final int CLASS_MASK = 5;
    private static final int DRIVER_DATA = 6;
    /** Fields that may be {@value #ANY}: vendor, device, subvendor, subdevice. */
    private static final int ANY_FIELDS = 4;
    /** Radix of the fields. */
    private static final int HEX = 16;

    /**
     * Reads and checks a configuration.
     *
     * @param properties the component's properties (Metatype has typed them; strings are read too)
     * @return the configuration
     * @throws DriverException EINVAL naming the key and value of the first thing wrong
     */
    public static TestPciDriverConfig parse(Map<String, ?> properties) {
        String name = string(properties, KEY_NAME, "");
        if (name.isEmpty() || name.length() > NAME_MAX || name.chars().anyMatch(c -> c == '/' || c <= ' ')) {
            throw invalid(KEY_NAME, name, "a driver name is 1 to " + NAME_MAX
                    + " characters without '/' or blanks (it names a sysfs directory)");
        }
        List<String> entries = strings(properties.get(KEY_IDS));
        if (entries.isEmpty() || entries.size() > MAX_IDS) {
            throw invalid(KEY_IDS, String.join(",", entries), "a test driver has 1 to " + MAX_IDS + " id entries");
        }
        List<PciDeviceId> ids = new ArrayList<>();
        for (String e : entries) {
            ids.add(parseEntry(e));
        }
        Outcome probe = switch (string(properties, KEY_PROBE, "ok").toLowerCase(Locale.ROOT)) {
            case "ok" -> Outcome.OK;
            case "fail" -> Outcome.FAIL;
            case "defer" -> Outcome.DEFER;
            case "enodev" -> Outcome.ENODEV;
            default -> throw invalid(KEY_PROBE, string(properties, KEY_PROBE, ""), "is ok, fail, defer or enodev");
        };
        int devres = integer(properties, KEY_DEVRES, DEFAULT_DEVRES, 0, MAX_DEVRES);
        int failStep = integer(properties, KEY_FAIL_STEP, 1, 1, MAX_DEVRES);
        if (probe == Outcome.FAIL && failStep > devres + 1) {
            throw invalid(KEY_FAIL_STEP, Integer.toString(failStep), "the probe makes " + devres
                    + " acquisitions; the failing one is at most " + (devres + 1) + " (after all of them)");
        }
        String errnoName = string(properties, KEY_ERRNO, Errno.EIO.name());
        Errno errno;
        try {
            errno = Errno.valueOf(errnoName);
        } catch (IllegalArgumentException e) {
            throw invalid(KEY_ERRNO, errnoName, "is not an errno name this runtime knows (EIO, ENOMEM, ...)");
        }
        if (probe == Outcome.FAIL && errno == Errno.EPROBE_DEFER) {
            throw invalid(KEY_ERRNO, errnoName, "a deferral is probe=defer");
        }
        int delay = integer(properties, KEY_DELAY_MS, 0, 0, MAX_DELAY_MS);
        ProbeType type = switch (string(properties, KEY_PROBE_TYPE, SYNC).toLowerCase(Locale.ROOT)) {
            case SYNC -> ProbeType.DEFAULT_STRATEGY;
            case ASYNC -> ProbeType.PREFER_ASYNCHRONOUS;
            default -> throw invalid(KEY_PROBE_TYPE, string(properties, KEY_PROBE_TYPE, ""), "is sync or async");
        };
        return new TestPciDriverConfig(name, List.copyOf(ids), probe, devres, failStep, errno, delay, type);
    }

    /**
     * One id entry (see the class comment).
     *
     * @throws DriverException EINVAL naming the entry
     */
    static PciDeviceId parseEntry(String entry) {
        List<String> words = new ArrayList<>(List.of(entry.strip().split("\\s+")));
        boolean overrideOnly = !words.isEmpty() && words.get(words.size() - 1).equalsIgnoreCase(OVERRIDE_ONLY);
        if (overrideOnly) {
            words.remove(words.size() - 1);
        }
        if (words.size() < MIN_FIELDS || words.size() > MAX_FIELDS || words.get(0).isEmpty()) {
            throw invalid(KEY_IDS, entry, "an entry is vendor device [subvendor subdevice [class class_mask"
                    + " [driver_data]]] in hex, optionally followed by " + OVERRIDE_ONLY);
        }
        long[] f = new long[MAX_FIELDS];
        f[SUBVENDOR] = Integer.toUnsignedLong(PciDeviceId.PCI_ANY_ID);
        f[SUBDEVICE] = Integer.toUnsignedLong(PciDeviceId.PCI_ANY_ID);
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (i < ANY_FIELDS && w.equals(ANY)) {
                f[i] = Integer.toUnsignedLong(PciDeviceId.PCI_ANY_ID);
                continue;
            }
            String digits = w.startsWith("0x") || w.startsWith("0X") ? w.substring(2) : w;
            try {
                f[i] = i == DRIVER_DATA ? Long.parseUnsignedLong(digits, HEX) : Integer.parseUnsignedInt(digits, HEX);
            } catch (NumberFormatException e) {
                throw invalid(KEY_IDS, entry, "field " + (i + 1) + " '" + w + "' is not a hex "
                        + (i == DRIVER_DATA ? "unsigned long" : "u32") + (i < ANY_FIELDS ? " or " + ANY : ""));
            }
        }
        return new PciDeviceId((int) f[0], (int) f[1], (int) f[SUBVENDOR], (int) f[SUBDEVICE], (int) f[CLASS],
                (int) f[CLASS_MASK], f[DRIVER_DATA], overrideOnly);
    }

    private static DriverException invalid(String key, String value, String why) {
        return new DriverException(Errno.EINVAL, key + ": '" + value + "' " + why);
    }

    private static String string(Map<String, ?> p, String key, String dflt) {
        Object v = p.get(key);
        return v == null ? dflt : v.toString().strip();
    }

    private static int integer(Map<String, ?> p, String key, int dflt, int min, int max) {
        Object v = p.get(key);
        if (v == null || v.toString().isBlank()) {
            return dflt;
        }
        int n;
        try {
            n = v instanceof Number num ? Math.toIntExact(num.longValue()) : Integer.parseInt(v.toString().strip());
        } catch (NumberFormatException | ArithmeticException e) {
            throw invalid(key, v.toString(), "is not a number");
        }
        if (n < min || n > max) {
            throw invalid(key, v.toString(), "is outside " + min + ".." + max);
        }
        return n;
    }

    /** A list property as Configuration Admin may hold it: an array, a collection, or one string. */
    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof String[] a) {
            out.addAll(List.of(a));
        } else if (v instanceof Collection<?> c) {
            c.forEach(x -> out.add(String.valueOf(x)));
        } else if (v != null) {
            out.add(v.toString());
        }
        out.replaceAll(String::strip);
        out.removeIf(String::isEmpty);
        return out;
    }
}
