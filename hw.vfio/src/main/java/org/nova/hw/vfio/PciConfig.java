package org.nova.hw.vfio;

/**
 * The config-space registers the VFIO backend itself reads or writes, as
 * include/uapi/linux/pci_regs.h names them.
 */
final class PciConfig {
    private PciConfig() {
    }

    /** PCI_VENDOR_ID: 16 bits at 0x00. */
    static final int PCI_VENDOR_ID = 0x00;
    /** PCI_DEVICE_ID: 16 bits at 0x02. */
    static final int PCI_DEVICE_ID = 0x02;
    /** PCI_COMMAND: 16 bits at 0x04. */
    static final int PCI_COMMAND = 0x04;
    /** PCI_COMMAND_IO: enable response in I/O space. */
    static final int PCI_COMMAND_IO = 0x1;
    /** PCI_COMMAND_MEMORY: enable response in memory space. */
    static final int PCI_COMMAND_MEMORY = 0x2;
    /** PCI_COMMAND_MASTER: enable bus mastering. */
    static final int PCI_COMMAND_MASTER = 0x4;
    /** PCI_COMMAND_INTX_DISABLE: INTx emulation disable. */
    static final int PCI_COMMAND_INTX_DISABLE = 0x400;
    /** PCI_REVISION_ID: 8 bits at 0x08. */
    static final int PCI_REVISION_ID = 0x08;
    /** PCI_CLASS_PROG: 8 bits at 0x09, followed by the 16-bit PCI_CLASS_DEVICE at 0x0a. */
    static final int PCI_CLASS_PROG = 0x09;
    /** PCI_CLASS_DEVICE: 16 bits at 0x0a (base class, sub class). */
    static final int PCI_CLASS_DEVICE = 0x0a;
    /** PCI_HEADER_TYPE: 8 bits at 0x0e. */
    static final int PCI_HEADER_TYPE = 0x0e;
    /** PCI_BASE_ADDRESS_0: the first of six 32-bit BAR registers. */
    static final int PCI_BASE_ADDRESS_0 = 0x10;
    /** PCI_BASE_ADDRESS_SPACE_IO: BAR bit 0 set = I/O space. */
    static final int PCI_BASE_ADDRESS_SPACE_IO = 0x1;
    /** PCI_BASE_ADDRESS_MEM_TYPE_MASK: BAR bits 2:1. */
    static final int PCI_BASE_ADDRESS_MEM_TYPE_MASK = 0x6;
    /** PCI_BASE_ADDRESS_MEM_TYPE_64: a 64-bit memory BAR. */
    static final int PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x4;
    /** PCI_BASE_ADDRESS_MEM_PREFETCH: prefetchable memory. */
    static final int PCI_BASE_ADDRESS_MEM_PREFETCH = 0x8;
    /** PCI_SUBSYSTEM_VENDOR_ID: 16 bits at 0x2c. */
    static final int PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
    /** PCI_SUBSYSTEM_ID: 16 bits at 0x2e. */
    static final int PCI_SUBSYSTEM_ID = 0x2e;
    /** Size of conventional config space. */
    static final int PCI_CFG_SPACE_SIZE = 256;
    /** Size of PCI Express extended config space. */
    static final int PCI_CFG_SPACE_EXP_SIZE = 4096;
}
