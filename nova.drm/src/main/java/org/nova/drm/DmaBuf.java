package org.nova.drm;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaSgMapping;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.SgTable;
import org.nova.gpu.vram.SysmemBuffer;

/**
 * An exported GEM object, standing for the dma-buf file that DRM_IOCTL_PRIME_HANDLE_TO_FD returns:
 * it holds a reference to the object until its fd is closed with {@link DrmDevices#closeFd} or
 * the device is unplugged. One per object (the kernel caches {@code obj->dma_buf}), installed under
 * a new fd at each export. Another driver finds it with {@link DrmDevices#dmaBuf} (dma_buf_get)
 * and reaches its pages through {@link #sgTable} / {@link #map}.
 */
public final class DmaBuf {
    final GemObject object;
    int fds;

    DmaBuf(GemObject object) {
        this.object = object;
    }

    /** @return the exported object */
    public GemObject object() {
        return object;
    }

    /**
     * The exporter's {@code get_sg_table} (drm_gem_map_dma_buf calls the object's; for memory that
     * is one coherent DMA allocation, as nova's GPU system memory is, that is dma_get_sgtable): the
     * object's pages as a scatter-gather table, contiguous pages merged into entries of at most
     * {@link SgTable#DEFAULT_MAX_SEGMENT} bytes, covering {@link GemObject#size()} bytes.
     *
     * <p>Ownership: the table owns nothing. The pages stay the object's: exporting pinned it where
     * it lives, and the dma-buf keeps it alive until its last fd is closed or the device is
     * unplugged; an importer unmaps whatever it mapped from the table before that.
     *
     * @return the table
     * @throws DrmException EOPNOTSUPP when the object lives in VRAM (peer-to-peer DMA from VRAM is
     *     not modelled; create the object with the GART domain, or migrate it to system memory,
     *     before exporting it — nouveau pins an exported object in GART for the same reason);
     *     ENODEV once its memory was returned (the device unplugged)
     */
    public SgTable sgTable() {
        SysmemBuffer sys = object.sysmemBuffer();
        if (sys == null) {
            if (object.isFreed()) {
                throw new DrmException(DrmErrno.ENODEV, object + ": its memory was returned (device unplugged)");
            }
            throw new DrmException(DrmErrno.EOPNOTSUPP, object + " lives in VRAM: peer-to-peer DMA from VRAM is not"
                    + " modelled; create it with the GART domain or migrate it to system memory before exporting");
        }
        MemorySegment mem;
        try {
            mem = sys.memory();
            long size = object.size();
            int n = (int) ((size + SgTable.PAGE_SIZE - 1) / SgTable.PAGE_SIZE);
            List<MemorySegment> pages = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                pages.add(mem.asSlice(i * SgTable.PAGE_SIZE, SgTable.PAGE_SIZE));
            }
            return SgTable.fromPages(pages, 0, size);
        } catch (IllegalStateException e) {
            throw new DrmException(DrmErrno.ENODEV, object + ": its memory was returned (device unplugged)");
        }
    }

    /**
     * {@code dma_buf_map_attachment} for an importing PCI device: the {@link #sgTable table}
     * mapped through the importer's IOMMU with {@link PciDevice#dmaMapSg}.
     *
     * <p>Ownership: the mapping is the importer's (devres of its binding, as any of its
     * {@code dmaMapSg} mappings); it unmaps it ({@link DmaSgMapping#close}) before closing the
     * dma-buf's fd.
     *
     * @throws DrmException as {@link #sgTable}
     * @throws org.nova.driver.DriverException as {@link PciDevice#dmaMapSg} (EINVAL for the
     *     direction, ENOMEM when the importer's IOMMU has no room, ENODEV for an unbound importer)
     */
    public DmaSgMapping map(PciDevice importer, DmaDataDirection direction) {
        return importer.dmaMapSg(sgTable(), direction);
    }
}
