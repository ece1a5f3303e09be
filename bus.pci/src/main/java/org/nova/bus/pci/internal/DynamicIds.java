package org.nova.bus.pci.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciIds;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * The dynamic ids of one registered driver ({@code pci_driver.dynids}) and the rules of the
 * {@code new_id} and {@code remove_id} attributes (drivers/pci/pci-driver.c). The list lives as
 * long as the driver's registration: a driver registered again starts with none, as
 * {@code pci_free_dynids} empties it at unregistration.
 */
public final class DynamicIds {
    /** Conversions of new_id: "%x %x %x %x %x %x %lx". */
    static final int NEW_ID_FIELDS = 7;
    /** Conversions of remove_id: "%x %x %x %x %x %x". */
    static final int REMOVE_ID_FIELDS = 6;
    /** Fields new_id and remove_id need at least: vendor and device. */
    static final int MIN_FIELDS = 2;
    /** Index of each field in the scanned array. */
    private static final int VENDOR = 0;
    private static final int DEVICE = 1;
    private static final int SUBVENDOR = 2;
    private static final int SUBDEVICE = 3;
    private static final int CLASS = 4;
    private static final int CLASS_MASK = 5;
    private static final int DRIVER_DATA = 6;

    /**
     * The width of {@code struct pci_dev}'s vendor, device, subsystem_vendor and subsystem_device
     * (unsigned short, include/linux/pci.h), through which new_id_store compares.
     */
    static final int PCI_DEV_ID_MASK = 0xffff;

    private final CopyOnWriteArrayList<PciDeviceId> ids = new CopyOnWriteArrayList<>();
    /**
     * Whether {@link #ids} is empty, written after each change: the bus's match asks it for every
     * driver of every device, and this field is one cache line where the list is three (this
     * object's, the list's, its array's). A match racing a new_id sees the id or not, as a match
     * racing the kernel's dynids lock does.
     */
    private volatile boolean none = true;

    /** @return the dynamic ids, oldest first (a snapshot) */
    public List<PciDeviceId> list() {
        return List.copyOf(ids);
    }

    /** @return whether there are no dynamic ids */
    boolean isEmpty() {
        return none;
    }

    /** @return the live list for matching (iteration is snapshot-consistent) */
    List<PciDeviceId> view() {
        return ids;
    }

    /**
     * new_id: parses, checks and appends.
     *
     * @param fields the text written to new_id
     * @param table the driver's static table
     * @param driver the driver's name
     * @return the id appended
     * @throws DriverException EINVAL for fewer than two fields or a driver_data no static entry
     *     carries; EEXIST if fewer than seven fields are given and the driver already matches a
     *     device with these ids. Nothing is appended then.
     */
    public synchronized PciDeviceId add(String fields, List<PciDeviceId> table, String driver) {
        PciDeviceId id = parseNewId(fields, ids, table, driver);
        ids.add(id);
        none = false;
        return id;
    }

    /**
     * remove_id: removes the first equal dynamic id.
     *
     * @return the id removed
     * @throws DriverException EINVAL for fewer than two fields; ENODEV if none is equal
     */
    public synchronized PciDeviceId remove(String fields) {
        int i = findForRemoval(fields, ids);
        PciDeviceId id = ids.remove(i);
        none = ids.isEmpty();
        return id;
    }

    /** The checks of new_id_store, without side effects. @see #add */
    static PciDeviceId parseNewId(String fields, List<PciDeviceId> dynamic, List<PciDeviceId> table, String driver) {
        long[] f = SysfsInput.scanHex(fields, NEW_ID_FIELDS);
        if (f.length < MIN_FIELDS) {
            throw new DriverException(Errno.EINVAL, "new_id for " + driver + ": '" + printable(fields)
                    + "' has fewer than 2 hex fields (vendor device [subvendor subdevice class class_mask driver_data])");
        }
        long data = f.length > DRIVER_DATA ? f[DRIVER_DATA] : 0;
        PciDeviceId id = fromFields(f, data);
        if (f.length != NEW_ID_FIELDS) {
            // new_id_store: a struct pci_dev with these ids (and no driver_override) must not already
            // match; its vendor, device and subsystem fields are unsigned short, so the u32 values
            // (PCI_ANY_ID included) arrive there truncated to 16 bits; class is an unsigned int
            PciIds probe = new PciIds(id.vendor() & PCI_DEV_ID_MASK, id.device() & PCI_DEV_ID_MASK,
                    id.subvendor() & PCI_DEV_ID_MASK, id.subdevice() & PCI_DEV_ID_MASK, id.classCode(), 0);
            PciDeviceId existing = PciMatch.matchDevice(dynamic, table, probe, null, driver);
            if (existing != null) {
                throw new DriverException(Errno.EEXIST, "new_id for " + driver + ": " + probe
                        + " is already matched by " + existing);
            }
        }
        if (!table.isEmpty()) {
            boolean known = false;
            for (PciDeviceId t : table) {
                if (t.isTerminator()) {
                    break;
                }
                if (t.driverData() == data) {
                    known = true;
                    break;
                }
            }
            if (!known) {
                throw new DriverException(Errno.EINVAL, "new_id for " + driver + ": driver_data 0x"
                        + Long.toHexString(data) + " is not the driver_data of any entry of its id table");
            }
        }
        return id;
    }

    /** The id the sysfs fields give: vendor device [subvendor subdevice class class_mask], defaults as the kernel's. */
    private static PciDeviceId fromFields(long[] f, long data) {
        return new PciDeviceId((int) f[VENDOR], (int) f[DEVICE],
                f.length > SUBVENDOR ? (int) f[SUBVENDOR] : PciDeviceId.PCI_ANY_ID,
                f.length > SUBDEVICE ? (int) f[SUBDEVICE] : PciDeviceId.PCI_ANY_ID,
                f.length > CLASS ? (int) f[CLASS] : 0, f.length > CLASS_MASK ? (int) f[CLASS_MASK] : 0, data, false);
    }

    /** The search of remove_id_store, without side effects. @return the index to remove */
    static int findForRemoval(String fields, List<PciDeviceId> dynamic) {
        long[] f = SysfsInput.scanHex(fields, REMOVE_ID_FIELDS);
        if (f.length < MIN_FIELDS) {
            throw new DriverException(Errno.EINVAL, "remove_id: '" + printable(fields)
                    + "' has fewer than 2 hex fields (vendor device [subvendor subdevice class class_mask])");
        }
        PciDeviceId want = fromFields(f, 0);
        for (int i = 0; i < dynamic.size(); i++) {
            PciDeviceId id = dynamic.get(i);
            if (id.vendor() == want.vendor() && id.device() == want.device()
                    && (want.subvendor() == PciDeviceId.PCI_ANY_ID || id.subvendor() == want.subvendor())
                    && (want.subdevice() == PciDeviceId.PCI_ANY_ID || id.subdevice() == want.subdevice())
                    && ((id.classCode() ^ want.classCode()) & want.classMask()) == 0) {
                return i;
            }
        }
        throw new DriverException(Errno.ENODEV, "remove_id: no dynamic id equals '" + printable(fields) + "'");
    }

    private static String printable(String s) {
        return s == null ? "" : s.strip();
    }
}
