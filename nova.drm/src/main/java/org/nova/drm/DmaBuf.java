package org.nova.drm;

import org.nova.gpu.vram.SysmemBuffer;

/**
 * An exported GEM object, standing for the dma-buf file that DRM_IOCTL_PRIME_HANDLE_TO_FD returns:
 * it holds a reference to the object until its fd is closed with {@link DrmDevices#closeFd} or
 * the device is unplugged. One per object (the kernel caches {@code obj->dma_buf}), installed under
 * a new fd at each export. Another driver finds it with {@link DrmDevices#dmaBuf} (dma_buf_get)
 * and reaches its pages through {@link #sysmem}.
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
     * The object's system memory, for an importer to reach its pages: the exporter's
     * {@code get_sg_table} is {@code sysmem().sgTable(object().size())} (nova.core's
     * {@link SysmemBuffer#sgTable}, dma_get_sgtable of the coherent allocation), which the importer
     * maps for its own device with {@code PciDevice.dmaMapSg} ({@code dma_buf_map_attachment}).
     *
     * <p>Ownership: the buffer stays the object's: exporting pinned the object where it lives, and
     * the dma-buf keeps it alive until its last fd is closed or the device is unplugged; an importer
     * unmaps whatever it mapped from it before that.
     *
     * @return the buffer
     * @throws DrmException EOPNOTSUPP when the object lives in VRAM (peer-to-peer DMA from VRAM is
     *     not modelled; create the object with the GART domain, or migrate it to system memory,
     *     before exporting it — nouveau pins an exported object in GART for the same reason);
     *     ENODEV once its memory was returned (the device unplugged)
     */
    public SysmemBuffer sysmem() {
        SysmemBuffer sys = object.sysmemBuffer();
        if (sys == null || sys.isFreed()) {
            if (object.isFreed() || sys != null) {
                throw new DrmException(DrmErrno.ENODEV, object + ": its memory was returned (device unplugged)");
            }
            throw new DrmException(DrmErrno.EOPNOTSUPP, object + " lives in VRAM: peer-to-peer DMA from VRAM is not"
                    + " modelled; create it with the GART domain or migrate it to system memory before exporting");
        }
        return sys;
    }
}
