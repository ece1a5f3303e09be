package org.nova.hw;

/**
 * Properties of a region (a BAR or the expansion ROM), mirroring the BAR type bits of
 * include/uapi/linux/pci_regs.h and the VFIO_REGION_INFO_FLAG_* bits of include/uapi/linux/vfio.h.
 */
public enum RegionFlag {
    /** Memory space (PCI_BASE_ADDRESS_SPACE_MEMORY). */
    MEMORY,
    /** I/O port space (PCI_BASE_ADDRESS_SPACE_IO). */
    IO,
    /** Prefetchable memory (PCI_BASE_ADDRESS_MEM_PREFETCH). */
    PREFETCHABLE,
    /** 64-bit memory BAR occupying two BAR registers (PCI_BASE_ADDRESS_MEM_TYPE_64). */
    MEM64,
    /** {@link Mmio#segment()} gives direct memory (VFIO_REGION_INFO_FLAG_MMAP). */
    MAPPABLE,
    /** The region can be read (VFIO_REGION_INFO_FLAG_READ). */
    READ,
    /** The region can be written (VFIO_REGION_INFO_FLAG_WRITE). */
    WRITE
}
