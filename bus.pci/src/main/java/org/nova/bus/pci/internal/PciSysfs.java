package org.nova.bus.pci.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.nova.bus.pci.PciDeviceInfo;
import org.nova.driver.DriverException;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;

/**
 * What a listing tool reads of a function: drivers/pci/pci-sysfs.c's {@code config} attribute
 * (the config space bytes) and {@code resource} attribute (the regions), with the bound driver
 * and the PF, as {@link PciDeviceInfo}.
 */
final class PciSysfs {
    private PciSysfs() {
    }

    /**
     * @param dev the function
     * @param driver the bound driver's name, if any
     * @return the listing snapshot: config space and regions as readable now
     * @throws DriverException with the backend's errno (ENODEV once removed)
     */
    static PciDeviceInfo snapshot(PciDeviceImpl dev, Optional<String> driver) {
        PciFunction function = dev.function();
        try {
            int size = function.configSize();
            byte[] config = new byte[size];
            for (int off = 0; off < size; off += PciDeviceImpl.DWORD) {
                int v = function.readConfig(off, PciDeviceImpl.DWORD);
                for (int b = 0; b < PciDeviceImpl.DWORD; b++) {
                    config[off + b] = (byte) (v >>> (b * Byte.SIZE));
                }
            }
            List<PciDeviceInfo.Region> regions = new ArrayList<>();
            for (int i = 0; i <= RegionInfo.ROM_INDEX; i++) {
                Optional<RegionInfo> r = function.region(i);
                if (r.isPresent() && r.get().size() > 0) {
                    RegionInfo ri = r.get();
                    regions.add(new PciDeviceInfo.Region(i, ri.size(), ri.has(RegionFlag.IO),
                            ri.has(RegionFlag.PREFETCHABLE), ri.has(RegionFlag.MEM64)));
                }
            }
            return new PciDeviceInfo(dev.address(), dev.ids(), config, regions, driver,
                    function.physfn().map(PciFunction::address));
        } catch (HwException e) {
            throw Hw.translate(e, "snapshot of " + dev.address());
        }
    }
}
