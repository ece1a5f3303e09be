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
 * and the PF, as {@link PciDeviceInfo}; for a function the kernel itself lists (the host backend)
 * also what its sysfs shows. Config space is read as one block (one read of the sysfs config file
 * or of vfio-pci's config region), once per snapshot: a listing sees the device as it is now.
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
            byte[] config = function.readConfigBlock(0, function.configSize());
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
                    function.physfn().map(PciFunction::address), function.sysfs());
        } catch (HwException e) {
            throw Hw.translate(e, "snapshot of " + dev.address());
        }
    }
}
