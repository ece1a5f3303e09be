package org.nova.drm;

import org.nova.dma.fence.DmaFence;

/**
 * A sync file ({@code struct sync_file}, drivers/dma-buf/sync_file.c): an fd standing for one
 * fence, what DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD with EXPORT_SYNC_FILE returns and FD_TO_HANDLE with
 * IMPORT_SYNC_FILE reads. It keeps the fence only; closing the fd drops it.
 */
final class SyncFile {
    final DmaFence fence;

    SyncFile(DmaFence fence) {
        this.fence = fence;
    }
}
