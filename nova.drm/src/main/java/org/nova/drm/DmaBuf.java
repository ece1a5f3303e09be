package org.nova.drm;

/**
 * An exported GEM object, standing for the dma-buf file that DRM_IOCTL_PRIME_HANDLE_TO_FD returns:
 * it holds a reference to the object until its fd is closed with {@link DrmDevices#closeFd} or
 * the device is unplugged. One per object (the kernel caches {@code obj->dma_buf}), installed under
 * a new fd at each export.
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
}
