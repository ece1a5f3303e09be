package org.nova.bus.pci;

/**
 * One entry of a PCI driver's id table: {@code struct pci_device_id}
 * (include/linux/mod_devicetable.h). Each of vendor, device, subvendor and subdevice is either
 * {@link #PCI_ANY_ID} or must equal the function's; the class must equal the function's 24-bit
 * class code in the bits of {@link #classMask()}.
 *
 * <p>As in C, an entry whose vendor, subvendor and class mask are all 0 ends a table
 * ({@code pci_match_id}): entries after it are never matched.
 *
 * @param vendor the vendor ID or {@link #PCI_ANY_ID}
 * @param device the device ID or {@link #PCI_ANY_ID}
 * @param subvendor the subsystem vendor ID or {@link #PCI_ANY_ID}
 * @param subdevice the subsystem ID or {@link #PCI_ANY_ID}
 * @param classCode the class code (base &lt;&lt; 16 | sub &lt;&lt; 8 | prog-if) compared under the mask
 * @param classMask which bits of the class code must match; 0 ignores the class
 * @param driverData the driver's own value for this entry (unsigned long in C); new_id only
 *     accepts values that some static entry carries
 * @param overrideOnly the entry matches only a device whose driver_override names this driver
 */
public record PciDeviceId(int vendor, int device, int subvendor, int subdevice, int classCode, int classMask,
        long driverData, boolean overrideOnly) {

    /** Matches any value of an id field: {@code PCI_ANY_ID}, {@code (~0)} (include/linux/pci.h). */
    public static final int PCI_ANY_ID = 0xffffffff;

    /** PCI_DEVICE(vendor, device): any subsystem, any class. */
    public static PciDeviceId of(int vendor, int device) {
        return new PciDeviceId(vendor, device, PCI_ANY_ID, PCI_ANY_ID, 0, 0, 0, false);
    }

    /** PCI_DEVICE_SUB(vendor, device, subvendor, subdevice): any class. */
    public static PciDeviceId withSubsystem(int vendor, int device, int subvendor, int subdevice) {
        return new PciDeviceId(vendor, device, subvendor, subdevice, 0, 0, 0, false);
    }

    /** PCI_DEVICE_CLASS(cls, mask); Rust's {@code DeviceId::from_class}: any vendor and device. */
    public static PciDeviceId ofClass(int classCode, int classMask) {
        return new PciDeviceId(PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, classCode, classMask, 0, false);
    }

    /** Rust's {@code DeviceId::from_class_and_vendor}: one vendor, any device, a class under a mask. */
    public static PciDeviceId ofClassAndVendor(int classCode, int classMask, int vendor) {
        return new PciDeviceId(vendor, PCI_ANY_ID, PCI_ANY_ID, PCI_ANY_ID, classCode, classMask, 0, false);
    }

    /** @return a copy carrying {@code data} as driver_data */
    public PciDeviceId withDriverData(long data) {
        return new PciDeviceId(vendor, device, subvendor, subdevice, classCode, classMask, data, overrideOnly);
    }

    /** @return a copy that matches only with a driver_override naming the driver (PCI_DEVICE_DRIVER_OVERRIDE) */
    public PciDeviceId asOverrideOnly() {
        return new PciDeviceId(vendor, device, subvendor, subdevice, classCode, classMask, driverData, true);
    }

    /** @return true for the entry that ends a C table: vendor, subvendor and class mask all 0 */
    public boolean isTerminator() {
        return vendor == 0 && subvendor == 0 && classMask == 0;
    }

    /**
     * {@code pci_match_one_device} (drivers/pci/pci.h): does this entry describe the function?
     * override_only is not looked at here; {@code pci_match_device} applies it.
     */
    public boolean matches(PciIds ids) {
        return matches(ids.vendor(), ids.device(), ids.subsystemVendor(), ids.subsystemDevice(), ids.classCode());
    }

    /** {@code pci_match_one_device} on raw values, as new_id's "does an id already match" check uses it. */
    public boolean matches(int vendorId, int deviceId, int subsystemVendor, int subsystemDevice, int cls) {
        return (vendor == PCI_ANY_ID || vendor == vendorId)
                && (device == PCI_ANY_ID || device == deviceId)
                && (subvendor == PCI_ANY_ID || subvendor == subsystemVendor)
                && (subdevice == PCI_ANY_ID || subdevice == subsystemDevice)
                && ((classCode ^ cls) & classMask) == 0;
    }

    @Override
    public String toString() {
        return any(vendor) + ":" + any(device) + " sub " + any(subvendor) + ":" + any(subdevice)
                + " class " + Hex.of(classCode, Hex.CLASS_DIGITS) + "/" + Hex.of(classMask, Hex.CLASS_DIGITS)
                + " data " + Hex.of(driverData) + (overrideOnly ? " override-only" : "");
    }

    private static String any(int v) {
        return v == PCI_ANY_ID ? "*" : Hex.of(v, Hex.ID_DIGITS);
    }
}
