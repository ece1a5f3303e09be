package org.nova.drm;

import java.util.List;
import java.util.Optional;

/**
 * The DRM devices of the system ({@code drm_class}) and the process's fd table of dma-bufs, sync
 * files and sync object files, as an OSGi service: how programs find a device to
 * {@link DrmDevice#open open}.
 */
public interface DrmDevices {
    /** @return the registered devices by index */
    List<DrmDevice> devices();

    /** @return the device owning that primary (0..63) or render (128..191) minor */
    Optional<DrmDevice> byMinor(int minor);

    /**
     * Closes an fd: a dma-buf fd returned by DRM_IOCTL_PRIME_HANDLE_TO_FD, dropping its reference
     * on the object, or a sync file or sync object fd returned by DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD.
     *
     * @throws DrmException EBADF for an fd that is not open
     */
    void closeFd(int fd);

    /**
     * {@code dma_buf_get}: the dma-buf an fd stands for, for a driver importing it (its pages
     * through {@link DmaBuf#sysmem}). The fd keeps its reference: the
     * importer uses the dma-buf only while the fd is open.
     *
     * @throws DrmException EBADF for an fd that is not open; EINVAL for an fd that is not a dma-buf
     */
    DmaBuf dmaBuf(int fd);

    /** @return the open fds (dma-bufs, sync files, sync object files) */
    List<Integer> openFds();
}
