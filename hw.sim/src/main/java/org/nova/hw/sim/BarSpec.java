package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH;
import static org.nova.hw.pci.PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64;
import static org.nova.hw.pci.PciRegs.PCI_BASE_ADDRESS_SPACE_IO;

import java.util.EnumSet;
import java.util.Set;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;

/**
 * The shape of one BAR (or of the expansion ROM) as the hardware defines it: index, size and
 * type. Where it lives is in the BAR register, assigned by firmware.
 *
 * @param index        0..5, or {@link RegionInfo#ROM_INDEX} for the ROM
 * @param size         bytes, a power of two within the limits of the kind
 * @param kind         memory (32 or 64 bit), I/O, or ROM
 * @param prefetchable whether a memory BAR is prefetchable
 */
record BarSpec(int index, long size, Kind kind, boolean prefetchable) {

    /** BAR kinds. */
    enum Kind {
        /** 32-bit memory BAR. */
        MEM32,
        /** 64-bit memory BAR: uses this BAR register and the next. */
        MEM64,
        /** I/O port BAR. */
        IO,
        /** Expansion ROM BAR. */
        ROM
    }

    /** Smallest memory BAR: bits 3:0 are type bits (PCI Local Bus Spec 3.0, 6.2.5.1). */
    static final long MIN_MEM_SIZE = 16;
    /** Largest 32-bit memory BAR this model accepts: half the 32-bit address space. */
    static final long MAX_MEM32_SIZE = 1L << 31;
    /** Smallest I/O BAR: bits 1:0 are type bits (PCI Local Bus Spec 3.0, 6.2.5.1). */
    static final long MIN_IO_SIZE = 4;
    /** Largest I/O BAR: "may not request more than 256 bytes" (PCI Local Bus Spec 3.0, 6.2.5.1). */
    static final long MAX_IO_SIZE = 256;
    /** Smallest ROM: address bits start at 11 (PCI_ROM_ADDRESS_MASK). */
    static final long MIN_ROM_SIZE = 2048;
    /** Largest ROM: the ROM BAR decodes at most 16 MiB (PCI Local Bus Spec 3.0, 6.2.5.2). */
    static final long MAX_ROM_SIZE = 16L << 20;

    /** Validates index, size and kind. */
    BarSpec {
        if (kind == Kind.ROM ? index != RegionInfo.ROM_INDEX
                : index < 0 || index >= RegionInfo.BAR_COUNT || (kind == Kind.MEM64 && index == RegionInfo.BAR_COUNT - 1)) {
            throw new IllegalArgumentException("BAR index " + index + " cannot hold a " + kind + " BAR");
        }
        if (Long.bitCount(size) != 1) {
            throw new IllegalArgumentException("BAR" + index + " size " + size + " is not a power of two");
        }
        long min = switch (kind) {
            case IO -> MIN_IO_SIZE;
            case ROM -> MIN_ROM_SIZE;
            default -> MIN_MEM_SIZE;
        };
        long max = switch (kind) {
            case IO -> MAX_IO_SIZE;
            case ROM -> MAX_ROM_SIZE;
            case MEM32 -> MAX_MEM32_SIZE;
            case MEM64 -> Long.MAX_VALUE;
        };
        if (size < min || size > max) {
            throw new IllegalArgumentException("BAR" + index + " " + kind + " size " + size
                    + " is outside " + min + ".." + max);
        }
        if (prefetchable && (kind == Kind.IO || kind == Kind.ROM)) {
            throw new IllegalArgumentException("BAR" + index + ": only memory BARs are prefetchable");
        }
    }

    /** @return a 32-bit memory BAR */
    static BarSpec mem32(int index, long size) {
        return new BarSpec(index, size, Kind.MEM32, false);
    }

    /** @return a 64-bit memory BAR */
    static BarSpec mem64(int index, long size, boolean prefetchable) {
        return new BarSpec(index, size, Kind.MEM64, prefetchable);
    }

    /** @return an I/O BAR */
    static BarSpec io(int index, long size) {
        return new BarSpec(index, size, Kind.IO, false);
    }

    /** @return the expansion ROM */
    static BarSpec rom(long size) {
        return new BarSpec(RegionInfo.ROM_INDEX, size, Kind.ROM, false);
    }

    /** @return the read-only type bits in the low bits of the BAR register */
    int typeBits() {
        return switch (kind) {
            case IO -> PCI_BASE_ADDRESS_SPACE_IO;
            case MEM64 -> PCI_BASE_ADDRESS_MEM_TYPE_64 | (prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
            case MEM32 -> prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0;
            case ROM -> 0;
        };
    }

    /**
     * @return the address bits software may write in the BAR register: writing all ones reads
     *     back this mask, from which software learns the size (PCI Local Bus Spec 3.0, 6.2.5.1)
     */
    long sizeMask() {
        return ~(size - 1);
    }

    /** @return whether the BAR decodes memory space (memory BARs and the ROM) */
    boolean isMemory() {
        return kind != Kind.IO;
    }

    /** @return the region flags, without MAPPABLE/WRITE which depend on the contents */
    Set<RegionFlag> baseFlags() {
        Set<RegionFlag> flags = EnumSet.of(RegionFlag.READ);
        flags.add(isMemory() ? RegionFlag.MEMORY : RegionFlag.IO);
        if (kind == Kind.MEM64) {
            flags.add(RegionFlag.MEM64);
        }
        if (prefetchable) {
            flags.add(RegionFlag.PREFETCHABLE);
        }
        return flags;
    }
}
