package org.nova.hw.sim;

import org.nova.hw.pci.PciClass;

/**
 * PCI IDs QEMU gives its devices (QEMU include/hw/pci/pci_ids.h and include/hw/pci/pci.h).
 */
final class QemuIds {
    private QemuIds() {
    }

    /** Vendor ID of QEMU's own devices such as edu (PCI_VENDOR_ID_QEMU). */
    static final int PCI_VENDOR_ID_QEMU = 0x1234;
    /** Red Hat vendor ID, used by pci-testdev (PCI_VENDOR_ID_REDHAT). */
    static final int PCI_VENDOR_ID_REDHAT = 0x1b36;
    /** Device ID of pci-testdev (PCI_DEVICE_ID_REDHAT_TEST). */
    static final int PCI_DEVICE_ID_REDHAT_TEST = 0x0005;
    /** Default subsystem vendor ID of QEMU devices (PCI_SUBVENDOR_ID_REDHAT_QUMRANET). */
    static final int PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
    /** Default subsystem ID of QEMU devices (PCI_SUBDEVICE_ID_QEMU). */
    static final int PCI_SUBDEVICE_ID_QEMU = 0x1100;
    /**
     * 24-bit class code of QEMU's PCI_CLASS_OTHERS devices: QEMU stores the 16-bit class_id
     * 0x00ff at PCI_CLASS_DEVICE (pci_config_set_class), so base class 0x00, subclass 0xff,
     * prog-if 0 ("Unclassified device [00ff]" in lspci).
     */
    static final int CLASS_OTHERS = PciClass.withProgIf(PciClass.PCI_CLASS_OTHERS, 0);
}
