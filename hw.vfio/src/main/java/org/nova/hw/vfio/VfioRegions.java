package org.nova.hw.vfio;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nova.hw.HwException;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BARs and the expansion ROM of a vfio-pci function as the backend SPI's regions, and their
 * mappings. A region the kernel lets user space map (VFIO_REGION_INFO_FLAG_MMAP: vfio-pci offers
 * it for memory BARs, drivers/vfio/pci/vfio_pci_core.c vfio_pci_core_mmap) is mmap'd; anything
 * else — I/O BARs, the ROM, a failed mmap — is reached with pread/pwrite on the device fd
 * (vfio_pci_rdwr.c). A region whose info carries a sparse-mmap capability
 * (VFIO_REGION_INFO_CAP_SPARSE_MMAP: mmap only in the listed areas, e.g. around an MSI-X table the
 * kernel keeps to itself) has its areas mapped and the holes reached with pread/pwrite; such a
 * region is not {@link RegionFlag#MAPPABLE}, as no single segment covers it. The kind of a BAR (I/O or memory, 64-bit, prefetchable) comes from its
 * register in vfio-pci's virtualised config space.
 *
 * <p>Ownership: each mapping is its consumer's to close, and is also tracked here, so that
 * {@link #closeAll()} (the function going away) unmaps whatever is still mapped.
 */
final class VfioRegions {
    private static final Logger LOG = LoggerFactory.getLogger(VfioRegions.class);

    private final PciAddress address;
    private final VfioDeviceFd fd;
    private final VfioPciConfig config;
    private final Set<VfioMmio> mappings = ConcurrentHashMap.newKeySet();

    VfioRegions(PciAddress address, VfioDeviceFd fd, VfioPciConfig config) {
        this.address = address;
        this.fd = fd;
        this.config = config;
    }

    /** @see org.nova.hw.PciFunction#region */
    Optional<RegionInfo> info(int index) {
        if (index < 0 || index > RegionInfo.ROM_INDEX) {
            throw new HwException(HwException.EINVAL, address + ": region index " + index + " outside 0.."
                    + RegionInfo.ROM_INDEX);
        }
        if (!fd.usable()) {
            throw new HwException(HwException.ENODEV, address + ": region info: the function was removed");
        }
        VfioDeviceFd.Region r = fd.region(index);
        if (r.size() == 0) {
            return Optional.empty();
        }
        Set<RegionFlag> flags = EnumSet.noneOf(RegionFlag.class);
        if (r.has(VfioUapi.VFIO_REGION_INFO_FLAG_READ)) {
            flags.add(RegionFlag.READ);
        }
        if (r.has(VfioUapi.VFIO_REGION_INFO_FLAG_WRITE)) {
            flags.add(RegionFlag.WRITE);
        }
        if (index == RegionInfo.ROM_INDEX) {
            flags.add(RegionFlag.MEMORY);
        } else {
            int bar = config.read(PciRegs.PCI_BASE_ADDRESS_0 + PciRegs.PCI_BASE_ADDRESS_STRIDE * index, Integer.BYTES);
            if ((bar & PciRegs.PCI_BASE_ADDRESS_SPACE_IO) != 0) {
                flags.add(RegionFlag.IO);
            } else {
                flags.add(RegionFlag.MEMORY);
                if ((bar & PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PciRegs.PCI_BASE_ADDRESS_MEM_TYPE_64) {
                    flags.add(RegionFlag.MEM64);
                }
                if ((bar & PciRegs.PCI_BASE_ADDRESS_MEM_PREFETCH) != 0) {
                    flags.add(RegionFlag.PREFETCHABLE);
                }
                if (r.has(VfioUapi.VFIO_REGION_INFO_FLAG_MMAP) && r.caps().sparse().isEmpty()) {
                    flags.add(RegionFlag.MAPPABLE);
                }
            }
        }
        return Optional.of(new RegionInfo(index, r.size(), flags));
    }

    /**
     * Maps a region: mmap where the kernel allows it and {@code allowMmap}, else pread/pwrite.
     *
     * @param allowMmap false takes the pread/pwrite path even for a mappable region (the MMIO
     *                  benchmark compares the two)
     * @throws HwException ENXIO if the region does not exist, ENODEV once the function is gone
     */
    VfioMmio map(int index, boolean allowMmap) {
        RegionInfo info = info(index).orElseThrow(() -> new HwException(HwException.ENXIO,
                address + ": region " + index + " is not implemented"));
        VfioDeviceFd.Region r = fd.region(index);
        VfioMmio m = null;
        boolean sparse = info.has(RegionFlag.MEMORY) && index != RegionInfo.ROM_INDEX
                && r.has(VfioUapi.VFIO_REGION_INFO_FLAG_MMAP) && r.caps().sparse().isPresent();
        if (allowMmap && (info.has(RegionFlag.MAPPABLE) || sparse)) {
            try {
                m = sparse ? VfioMmio.sparse(this, info, r) : VfioMmio.mapped(this, info, r);
            } catch (HwException e) {
                LOG.info("{}: mmap of region {} failed ({}); using pread/pwrite", address, index, e.getMessage());
            }
        }
        if (m == null) {
            m = VfioMmio.rw(this, info, r);
        }
        mappings.add(m);
        if (!fd.usable()) { // removed meanwhile: do not leave it behind
            m.close();
            throw new HwException(HwException.ENODEV, address + ": map: the function was removed");
        }
        return m;
    }

    /** Called by a mapping when it closes. */
    void forget(VfioMmio m) {
        mappings.remove(m);
    }

    /** @return a snapshot of the live mappings */
    List<VfioMmio> mappings() {
        return List.copyOf(mappings);
    }

    /** Unmaps every live mapping. */
    void closeAll() {
        for (VfioMmio m : new ArrayList<>(mappings)) {
            m.close();
        }
    }

    PciAddress address() {
        return address;
    }

    VfioDeviceFd fd() {
        return fd;
    }

    VfioPciConfig config() {
        return config;
    }
}
