package org.nova.bus.pci.internal;

import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

import org.nova.bus.pci.Bar;
import org.nova.devres.Devres;
import org.nova.devres.DevresException;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.RegionInfo;

/**
 * The BAR mappings of one function: drivers/pci/devres.c {@code pcim_iomap_region} (request the
 * region for this binding, then map it, as a device resource) over drivers/pci/iomap.c
 * {@code pci_iomap}, and Rust's {@code pci::Device::iomap_region_sized}. A BAR is claimed by at
 * most one mapping at a time ({@code pci_request_region}); the claim ends when the mapping's
 * Devres is released.
 */
final class PciIomap {
    private final PciDeviceImpl dev;
    /** BARs claimed now. Guarded by itself. */
    private final Set<Integer> claimed = new HashSet<>();

    PciIomap(PciDeviceImpl dev) {
        this.dev = dev;
    }

    /**
     * Claims and maps a BAR.
     *
     * @param bar the BAR index
     * @param minSize the size the driver needs, 0 for any
     * @param name the claimant, for messages
     * @return the mapping, in a Devres of the current binding named "pci:bar&lt;n&gt;"
     * @throws DriverException EINVAL for a bad index or a BAR below minSize; ENOMEM for a BAR
     *     that does not exist; EBUSY if it is claimed; ENODEV once the function is gone. Nothing
     *     stays claimed or mapped then.
     */
    Devres<Bar> iomapRegion(int bar, long minSize, String name) {
        Objects.requireNonNull(name, "name");
        PciDeviceImpl.checkBarIndex(bar);
        DevresScope scope = dev.device().devres();
        long len = dev.region(bar).map(RegionInfo::size).orElse(0L);
        if (len == 0) {
            throw new DriverException(Errno.ENOMEM, "BAR " + bar + " of " + dev.address() + " does not exist");
        }
        if (len < minSize) {
            throw new DriverException(Errno.EINVAL, String.format(
                    "BAR %d of %s is 0x%x bytes, smaller than the 0x%x the driver needs", bar, dev.address(), len,
                    minSize));
        }
        synchronized (claimed) {
            if (!claimed.add(bar)) {
                throw new DriverException(Errno.EBUSY, "BAR " + bar + " of " + dev.address() + " is already claimed");
            }
        }
        String barName = "pci:bar" + bar + " of " + dev.address() + " (" + name + ")";
        Mmio mmio;
        try {
            mmio = dev.function().map(bar);
        } catch (HwException e) {
            release(bar);
            throw Hw.translate(e, "mapping BAR " + bar + " of " + dev.address());
        }
        AutoCloseable unmap = () -> {
            try {
                mmio.close();
            } finally {
                release(bar);
            }
        };
        BarImpl mapped = BarImpl.over(barName, len, mmio, unmap);
        try {
            return Devres.<Bar>register(scope, "pci:bar" + bar, mapped, b -> mapped.release());
        } catch (DevresException e) {
            // the registration released the mapping already
            throw dev.gone(e);
        }
    }

    /** {@code pci_release_region}. */
    private void release(int bar) {
        synchronized (claimed) {
            claimed.remove(bar);
        }
    }
}
