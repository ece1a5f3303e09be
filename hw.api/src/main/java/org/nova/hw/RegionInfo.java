package org.nova.hw;

import java.util.Set;

/**
 * Describes one region of a function.
 *
 * @param index the region index: 0..5 for BARs, {@value #ROM_INDEX} for the expansion ROM
 * @param size  the size in bytes (a power of two for BARs)
 * @param flags what the region is and what {@link PciFunction#map(int)} allows on it
 */
public record RegionInfo(int index, long size, Set<RegionFlag> flags) {

    /** Number of BARs of a type-0 header (PCI_STD_NUM_BARS, include/uapi/linux/pci_regs.h). */
    public static final int BAR_COUNT = 6;
    /** Region index of the expansion ROM (PCI_ROM_RESOURCE, include/linux/pci.h). */
    public static final int ROM_INDEX = 6;

    /** Copies the flags into an immutable set. */
    public RegionInfo {
        flags = Set.copyOf(flags);
    }

    /** @return whether the region has the flag */
    public boolean has(RegionFlag flag) {
        return flags.contains(flag);
    }
}
