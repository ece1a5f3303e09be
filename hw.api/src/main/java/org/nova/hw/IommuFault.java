package org.nova.hw;

import org.nova.hw.pci.PciAddress;

import java.time.Instant;

/**
 * A device DMA access that the IOMMU (or the function's own bus-master enable) refused. The
 * access did not happen. Recorded by {@link PciFunction#iommuFaults()} and logged as a warning
 * like the kernel's DMAR fault line (drivers/iommu/intel/dmar.c dmar_fault_do_one).
 *
 * @param address the function that issued the access
 * @param iova    the first I/O virtual address that could not be accessed
 * @param write   true for a device write to host memory, false for a read
 * @param reason  why, e.g. "PTE Write access is not set"
 * @param time    when
 */
public record IommuFault(PciAddress address, long iova, boolean write, String reason, Instant time) {
}
