package org.nova.bus.pci;

import org.nova.hw.pci.PciRegs;

/**
 * The identity of a PCI function as matching sees it: the fields of {@code struct pci_dev} that
 * {@code pci_match_one_device} compares, plus the revision. Values are read from config space
 * when the function is added and do not change afterwards.
 *
 * @param vendor the vendor ID, 0..0xffff
 * @param device the device ID, 0..0xffff
 * @param subsystemVendor the subsystem vendor ID (0 for headers without one)
 * @param subsystemDevice the subsystem ID (0 for headers without one)
 * @param classCode the 24-bit class code: base class &lt;&lt; 16 | subclass &lt;&lt; 8 | prog-if
 * @param revision the revision ID, 0..0xff
 */
public record PciIds(int vendor, int device, int subsystemVendor, int subsystemDevice, int classCode,
        int revision) {

    /** @return the base class, the top byte of {@link #classCode()} */
    public int baseClass() {
        return (classCode >>> PciRegs.PCI_CLASS_BASE_SHIFT) & PciRegs.PCI_CLASS_BYTE_MASK;
    }

    /** @return the subclass, the middle byte of {@link #classCode()} */
    public int subClass() {
        return (classCode >>> PciRegs.PCI_CLASS_SUB_SHIFT) & PciRegs.PCI_CLASS_BYTE_MASK;
    }

    /** @return the programming interface, the low byte of {@link #classCode()} */
    public int progIf() {
        return classCode & PciRegs.PCI_CLASS_BYTE_MASK;
    }

    @Override
    public String toString() {
        return Hex.of(vendor, Hex.ID_DIGITS) + ":" + Hex.of(device, Hex.ID_DIGITS) + " (subsystem "
                + Hex.of(subsystemVendor, Hex.ID_DIGITS) + ":" + Hex.of(subsystemDevice, Hex.ID_DIGITS) + ", class "
                + Hex.of(classCode, Hex.CLASS_DIGITS) + ", rev " + Hex.of(revision, Hex.BYTE_DIGITS) + ")";
    }
}
