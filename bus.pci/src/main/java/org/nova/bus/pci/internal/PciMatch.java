package org.nova.bus.pci.internal;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciIds;
import org.nova.hw.pci.PciRegs;

/**
 * The PCI matching rules as pure functions: drivers/pci/pci-driver.c {@code pci_match_id} and
 * {@code pci_match_device}, and the specificity the driver core ranks matches by.
 *
 * <p><b>Specificity</b> (higher wins; the core then looks at service.ranking and age): a tier for
 * which id fields the entry names, plus the number of class bits its mask compares (0..24), so
 * that of two entries of one tier the one that also pins the class wins.
 * <ul>
 * <li>{@value #SUBSYSTEM}: vendor, device and a subsystem (subvendor or subdevice) named</li>
 * <li>{@value #DEVICE}: vendor and device named</li>
 * <li>{@value #VENDOR_CLASS}: vendor named with a class mask</li>
 * <li>{@value #VENDOR}: vendor named, nothing else</li>
 * <li>{@value #CLASS}: class mask only (or a device/subsystem without vendor)</li>
 * <li>{@value #ANY}: an entry that matches everything, such as the implicit one of a
 *     driver_override</li>
 * </ul>
 */
public final class PciMatch {
    /** Tier: vendor:device:subsystem. */
    public static final int SUBSYSTEM = 400;
    /** Tier: vendor:device. */
    public static final int DEVICE = 300;
    /** Tier: vendor and class. */
    public static final int VENDOR_CLASS = 200;
    /** Tier: vendor only. */
    public static final int VENDOR = 150;
    /** Tier: class only. */
    public static final int CLASS = 100;
    /** Tier: matches anything. */
    public static final int ANY = 0;

    /**
     * The id {@code pci_match_device} returns when only the driver_override names the driver:
     * {@code pci_device_id_any} (drivers/pci/pci-driver.c), every field PCI_ANY_ID.
     */
    public static final PciDeviceId OVERRIDE_ANY = new PciDeviceId(PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID,
            PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, 0, 0, 0, false);

    private PciMatch() {
    }

    /**
     * {@code pci_match_id}: the first entry of a static table that matches, stopping at a
     * terminator entry.
     *
     * @param from index of the first entry to look at
     * @return the index of the matching entry, or -1
     */
    public static int matchId(List<PciDeviceId> table, int from, PciIds ids) {
        for (int i = from; i < table.size(); i++) {
            PciDeviceId id = table.get(i);
            if (id.isTerminator()) {
                return -1;
            }
            if (id.matches(ids)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@code pci_match_device}.
     * <ol>
     * <li>A driver_override naming another driver: no match.</li>
     * <li>The dynamic ids first, in the order they were added.</li>
     * <li>The static table in order; an override_only entry counts only with a driver_override.</li>
     * <li>A driver_override naming this driver: {@link #OVERRIDE_ANY}.</li>
     * </ol>
     *
     * @param dynamicIds the driver's dynamic ids, oldest first
     * @param staticIds the driver's table
     * @param ids the function
     * @param override the device's driver_override, or null
     * @param driver the driver's name
     * @return the matching entry, or null
     */
    public static PciDeviceId matchDevice(List<PciDeviceId> dynamicIds, List<PciDeviceId> staticIds, PciIds ids,
            String override, String driver) {
        if (override != null && !override.equals(driver)) {
            return null;
        }
        for (PciDeviceId id : dynamicIds) {
            if (id.matches(ids)) {
                return id;
            }
        }
        int i = matchStatic(staticIds, ids, override != null);
        if (i >= 0) {
            return staticIds.get(i);
        }
        return override != null ? OVERRIDE_ANY : null;
    }

    /**
     * {@code pci_match_device}'s walk of the static table: the first entry that matches, an
     * override_only entry only when the device has a driver_override.
     *
     * @param overridden whether the device has a driver_override (naming this driver)
     * @return the index of the entry, or -1
     */
    public static int matchStatic(List<PciDeviceId> staticIds, PciIds ids, boolean overridden) {
        for (int i = matchId(staticIds, 0, ids); i >= 0; i = matchId(staticIds, i + 1, ids)) {
            if (!staticIds.get(i).overrideOnly() || overridden) {
                return i;
            }
        }
        return -1;
    }

    /** Ints per entry of a {@link #flatten flattened} table. */
    private static final int FLAT_STRIDE = 7;
    private static final int FLAT_VENDOR = 0;
    private static final int FLAT_DEVICE = 1;
    private static final int FLAT_SUBVENDOR = 2;
    private static final int FLAT_SUBDEVICE = 3;
    private static final int FLAT_CLASS = 4;
    private static final int FLAT_CLASS_MASK = 5;
    private static final int FLAT_INDEX = 6;

    /**
     * A static table as {@link #matchFlat} walks it: for each entry up to the terminator that is
     * not override_only, its vendor, device, subvendor, subdevice, class, class mask and position
     * in the table, in one array. {@code pci_match_id} reads the entries of a C array one after
     * the other; a list of records costs a cache miss per entry, which for a driver matched at
     * every device added is most of the match.
     */
    public static int[] flatten(List<PciDeviceId> table) {
        int[] out = new int[table.size() * FLAT_STRIDE];
        int n = 0;
        for (int i = 0; i < table.size(); i++) {
            PciDeviceId id = table.get(i);
            if (id.isTerminator()) {
                break;
            }
            if (id.overrideOnly()) {
                continue;
            }
            out[n + FLAT_VENDOR] = id.vendor();
            out[n + FLAT_DEVICE] = id.device();
            out[n + FLAT_SUBVENDOR] = id.subvendor();
            out[n + FLAT_SUBDEVICE] = id.subdevice();
            out[n + FLAT_CLASS] = id.classCode();
            out[n + FLAT_CLASS_MASK] = id.classMask();
            out[n + FLAT_INDEX] = i;
            n += FLAT_STRIDE;
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /**
     * {@link #matchStatic}{@code (table, ids, false)} on {@link #flatten}{@code (table)}: the
     * first entry that matches ({@code pci_match_one_device}), override_only entries skipped.
     *
     * @return the index of the entry in the table, or -1
     */
    public static int matchFlat(int[] flat, PciIds ids) {
        int vendor = ids.vendor();
        int device = ids.device();
        int subvendor = ids.subsystemVendor();
        int subdevice = ids.subsystemDevice();
        int cls = ids.classCode();
        for (int e = 0; e < flat.length; e += FLAT_STRIDE) {
            int v = flat[e + FLAT_VENDOR];
            int d = flat[e + FLAT_DEVICE];
            int sv = flat[e + FLAT_SUBVENDOR];
            int sd = flat[e + FLAT_SUBDEVICE];
            if ((v == PciDeviceId.PCI_ANY_ID || v == vendor)
                    && (d == PciDeviceId.PCI_ANY_ID || d == device)
                    && (sv == PciDeviceId.PCI_ANY_ID || sv == subvendor)
                    && (sd == PciDeviceId.PCI_ANY_ID || sd == subdevice)
                    && ((flat[e + FLAT_CLASS] ^ cls) & flat[e + FLAT_CLASS_MASK]) == 0) {
                return flat[e + FLAT_INDEX];
            }
        }
        return -1;
    }

    /** The driver core's index key of a vendor:device pair. */
    static Long key(int vendor, int device) {
        return (long) vendor << Integer.SIZE | Integer.toUnsignedLong(device);
    }

    /** A class index key: the class code under one of the byte-aligned masks. */
    record ClassKey(int mask, int classCode) {
    }

    /**
     * The class masks the index knows (base class, base+sub class, full class), narrowest first;
     * an entry with another mask is indexed under the widest of these it covers, or asked always.
     */
    static final int[] INDEXED_CLASS_MASKS = {PciRegs.PCI_CLASS_MASK_BASE,
        PciRegs.PCI_CLASS_MASK_BASE_SUB, PciRegs.PCI_CLASS_MASK_24};

    /**
     * @return the driver core's index keys of a function: its vendor:device, and its class code
     *     under each indexed class mask
     */
    public static Set<Object> deviceKeys(PciIds ids) {
        // an immutable set, which the core keeps as it is (Set.copyOf): no hash set built and
        // copied for every function added. The keys are distinct: one vendor:device key and one
        // class key per mask.
        Object[] keys = new Object[1 + INDEXED_CLASS_MASKS.length];
        keys[0] = key(ids.vendor(), ids.device());
        for (int i = 0; i < INDEXED_CLASS_MASKS.length; i++) {
            int mask = INDEXED_CLASS_MASKS[i];
            keys[i + 1] = new ClassKey(mask, ids.classCode() & mask);
        }
        return Set.of(keys);
    }

    /**
     * @return the driver core's index keys of a driver: for each entry its vendor:device, or for a
     *     class entry (any device) its class under the mask; null (ask it about every device) when an
     *     entry names neither a device nor an indexed class mask. The static table ends at its
     *     terminator; every dynamic id counts, those after one of all zeroes too.
     */
    public static Set<Object> driverKeys(List<PciDeviceId> dynamicIds, List<PciDeviceId> staticIds) {
        Set<Object> keys = new HashSet<>();
        // pci_match_device walks the dynamic list whole (new_id accepts an id of all zeroes); only
        // the static table ends at a zero entry (pci_match_id)
        for (PciDeviceId id : dynamicIds) {
            if (!addKey(keys, id)) {
                return null;
            }
        }
        for (PciDeviceId id : staticIds) {
            if (id.isTerminator()) {
                break;
            }
            if (!addKey(keys, id)) {
                return null;
            }
        }
        return keys;
    }

    /**
     * Adds an entry's index key: its vendor:device, else its class under the widest indexed mask
     * its own mask covers (an entry that compares more class bits, say 0xfff000, matches only
     * functions whose class agrees under 0xff0000 too, so that key admits all it can match).
     *
     * @return false if the entry cannot be indexed (ask always)
     */
    private static boolean addKey(Set<Object> keys, PciDeviceId id) {
        if (id.vendor() != PciDeviceId.PCI_ANY_ID && id.device() != PciDeviceId.PCI_ANY_ID) {
            keys.add(key(id.vendor(), id.device()));
            return true;
        }
        // INDEXED_CLASS_MASKS is narrowest first: look from the widest
        for (int i = INDEXED_CLASS_MASKS.length - 1; i >= 0; i--) {
            int m = INDEXED_CLASS_MASKS[i];
            if ((id.classMask() & m) == m) {
                keys.add(new ClassKey(m, id.classCode() & m));
                return true;
            }
        }
        return false;
    }

    /** @return the specificity of a match on {@code id} (see the class comment) */
    public static int specificity(PciDeviceId id) {
        boolean vendor = id.vendor() != PciDeviceId.PCI_ANY_ID;
        boolean device = id.device() != PciDeviceId.PCI_ANY_ID;
        boolean subsystem = id.subvendor() != PciDeviceId.PCI_ANY_ID || id.subdevice() != PciDeviceId.PCI_ANY_ID;
        int classBits = Integer.bitCount(id.classMask() & PciRegs.PCI_CLASS_MASK_24);
        int tier;
        if (vendor && device && subsystem) {
            tier = SUBSYSTEM;
        } else if (vendor && device) {
            tier = DEVICE;
        } else if (vendor && classBits > 0) {
            tier = VENDOR_CLASS;
        } else if (vendor) {
            tier = VENDOR;
        } else if (classBits > 0 || device || subsystem) {
            tier = CLASS;
        } else {
            tier = ANY;
        }
        return tier + classBits;
    }
}
