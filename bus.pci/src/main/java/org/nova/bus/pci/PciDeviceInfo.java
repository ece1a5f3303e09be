package org.nova.bus.pci;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.nova.hw.SysfsPciDevice;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/**
 * A snapshot of one function for listing tools ({@code lspci}): its address, identity, the
 * config space bytes readable at snapshot time and its regions. Immutable; taking it changes
 * nothing on the device.
 *
 * @param address the function's address
 * @param ids the identity
 * @param config a copy of config space, {@code configSize} bytes (256 or 4096)
 * @param regions the BARs (index 0..5) and the expansion ROM (index 6) that exist, in index order
 * @param driver the bound driver's name, if any (a driver of this runtime)
 * @param physfn the address of the PF, for a VF
 * @param sysfs what the running kernel's sysfs shows of the function (its IRQ, resources, kernel
 *     driver, IOMMU group, slot and modalias), for a function the backend lists from the kernel
 *     itself (the read-only host backend); empty otherwise
 */
public record PciDeviceInfo(PciAddress address, PciIds ids, byte[] config, List<Region> regions,
        Optional<String> driver, Optional<PciAddress> physfn, Optional<SysfsPciDevice> sysfs) {

    /**
     * One region of the function.
     *
     * @param index 0..5 for BARs, 6 for the expansion ROM
     * @param size the size in bytes
     * @param io true for an I/O-space BAR
     * @param prefetchable true for a prefetchable memory BAR
     * @param mem64 true for a 64-bit memory BAR
     */
    public record Region(int index, long size, boolean io, boolean prefetchable, boolean mem64) {
        /** Region index of the expansion ROM (PCI_ROM_RESOURCE, include/linux/pci.h). */
        public static final int ROM_INDEX = 6;
    }

    /** Copies the config bytes and the region list. */
    public PciDeviceInfo {
        config = config.clone();
        regions = List.copyOf(regions);
    }

    /** A snapshot of a function the kernel's sysfs does not describe (simulated, or through VFIO). */
    public PciDeviceInfo(PciAddress address, PciIds ids, byte[] config, List<Region> regions, Optional<String> driver,
            Optional<PciAddress> physfn) {
        this(address, ids, config, regions, driver, physfn, Optional.empty());
    }

    /** @return a copy of the config bytes */
    @Override
    public byte[] config() {
        return config.clone();
    }

    /** @return the slot name, "dddd:bb:dd.f": the text of {@link #address()} */
    public String name() {
        return address.toString();
    }

    /** @return the config byte at offset (0 beyond the snapshot) */
    public int configByte(int offset) {
        return offset >= 0 && offset < config.length ? config[offset] & PciRegs.PCI_BYTE_MASK : 0;
    }

    /** @return the little-endian config word at offset */
    public int configWord(int offset) {
        return configByte(offset) | configByte(offset + 1) << Byte.SIZE;
    }

    /** @return the little-endian config dword at offset */
    public int configDword(int offset) {
        return configWord(offset) | configWord(offset + Short.BYTES) << Short.SIZE;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PciDeviceInfo p && address.equals(p.address) && ids.equals(p.ids) && Arrays.equals(config, p.config)
                && regions.equals(p.regions) && driver.equals(p.driver) && physfn.equals(p.physfn) && sysfs.equals(p.sysfs);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + Arrays.hashCode(config);
    }

    @Override
    public String toString() {
        return "PciDeviceInfo[" + name() + " " + ids + driver.map(d -> " driver " + d).orElse("") + "]";
    }
}
