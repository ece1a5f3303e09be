package org.nova.hw.sim;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;

/**
 * A function's BARs and expansion ROM as the host reaches them: the region the device model
 * provides behind each one (checked against the BAR's size), what the host is told about it
 * (VFIO_DEVICE_GET_REGION_INFO's role), its mappings, and the address decoding of each access: an
 * I/O BAR answers only while I/O space is enabled (a master abort otherwise), a memory BAR only
 * while memory space is, which for a VF is its PF's VF Memory Space Enable.
 *
 * <p>The regions are owned here from construction to {@link #release}; accesses come with the
 * function's lock held.
 */
final class FunctionBars {
    private final String who;
    private final BarSpec[] bars;
    private final Region[] regions = new Region[RegionInfo.ROM_INDEX + 1];
    private final BooleanSupplier ioDecode;
    private final BooleanSupplier memoryDecode;
    private final String memoryDisabled;

    /**
     * @param who the function, for messages
     * @param model the device model, asked for the region of each BAR
     * @param bars the BARs and the ROM (index 6), null where none; for a VF, its PF's VF BARs
     * @param ioDecode whether I/O space is decoded now
     * @param memoryDecode whether memory space is decoded now
     * @param memoryDisabled what disables memory decoding, for messages
     * @throws IllegalStateException if the model's region of a BAR is missing or of another size
     */
    FunctionBars(String who, DeviceModel model, BarSpec[] bars, BooleanSupplier ioDecode, BooleanSupplier memoryDecode,
                 String memoryDisabled) {
        this.who = who;
        this.bars = bars.clone();
        this.ioDecode = ioDecode;
        this.memoryDecode = memoryDecode;
        this.memoryDisabled = memoryDisabled;
        for (int i = 0; i < bars.length; i++) {
            if (bars[i] != null) {
                Region r = model.region(i);
                if (r == null || r.size() != bars[i].size()) {
                    throw new IllegalStateException(who + ": region " + i + " does not match its BAR of "
                            + bars[i].size() + " bytes");
                }
                regions[i] = r;
            }
        }
    }

    /** @return the regions by BAR index, for overlays laid over them (MSI-X) to replace */
    Region[] regions() {
        return regions;
    }

    /** @return the BARs by index */
    BarSpec[] bars() {
        return bars;
    }

    /** @return the BAR spec at index, or null */
    BarSpec bar(int index) {
        return bars[index];
    }

    /** @throws HwException EINVAL for an index outside 0..6 */
    void checkIndex(int index) {
        if (index < 0 || index > RegionInfo.ROM_INDEX) {
            throw new HwException(HwException.EINVAL, who + ": region index " + index + " is outside 0.."
                    + RegionInfo.ROM_INDEX);
        }
    }

    /**
     * @return what the host is told about region index, empty if the function has no such BAR
     * @throws HwException EINVAL for an index outside 0..6
     */
    Optional<RegionInfo> info(int index) {
        checkIndex(index);
        BarSpec bar = bars[index];
        if (bar == null) {
            return Optional.empty();
        }
        Set<RegionFlag> flags = EnumSet.copyOf(bar.baseFlags());
        if (!regions[index].readOnly()) {
            flags.add(RegionFlag.WRITE);
        }
        if (regions[index].memory().isPresent()) {
            flags.add(RegionFlag.MAPPABLE);
        }
        return Optional.of(new RegionInfo(index, bar.size(), flags));
    }

    /**
     * @return a new mapping of region index; every access goes through the function
     * @throws HwException EINVAL for an index outside 0..6, ENXIO if there is no such BAR
     */
    Mmio map(SimulatedFunction function, int index) {
        checkIndex(index);
        if (bars[index] == null) {
            throw new HwException(HwException.ENXIO, who + " has no region " + index);
        }
        return new SimMmio(function, index, bars[index], regions[index]);
    }

    /**
     * One access, bounds and alignment already checked ({@link SimMmio}).
     *
     * @return the value read, 0 for a write
     * @throws HwException EROFS for a write to a read-only region, EIO for a memory BAR while
     *                     memory space is disabled
     */
    long access(int index, long offset, int width, boolean write, long value) {
        Region region = regions[index];
        BarSpec bar = bars[index];
        if (write && region.readOnly()) {
            throw new HwException(HwException.EROFS, who + ": region " + index + " is read-only");
        }
        if (bar.kind() == BarSpec.Kind.IO) {
            if (!ioDecode.getAsBoolean()) {
                // Not decoded: a master abort reads all ones and drops writes (PCI Local Bus Spec 3.0, 6.2.2).
                return write ? 0 : Region.allOnes(width);
            }
        } else if (bar.kind() != BarSpec.Kind.ROM && !memoryDecode.getAsBoolean()) {
            throw new HwException(HwException.EIO, who + ": BAR" + index + " accessed while memory space is "
                    + memoryDisabled);
        }
        if (write) {
            region.write(offset, width, value);
            return 0;
        }
        return region.read(offset, width) & Region.allOnes(width);
    }

    /** Frees what the regions hold (the function was removed, or never plugged in). */
    void release() {
        for (Region r : regions) {
            if (r != null) {
                r.release();
            }
        }
    }
}
