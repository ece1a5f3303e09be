package org.nova.drm;

import java.util.ArrayList;
import java.util.List;
import org.nova.dma.fence.DmaFence;

/**
 * A sync object ({@code struct drm_syncobj}, drivers/gpu/drm/drm_syncobj.c of Linux 6.12): a
 * container for a fence, or for none, that its file's handles name. Replacing the fence wakes the
 * WAIT_FOR_SUBMIT waiters. Guarded by itself; no callback runs under its monitor.
 */
final class Syncobj {
    private DmaFence fence;
    private final List<Runnable> waiters = new ArrayList<>();

    Syncobj(DmaFence fence) {
        this.fence = fence;
    }

    synchronized DmaFence fence() {
        return fence;
    }

    /** {@code drm_syncobj_replace_fence}: {@code f} (or none) from now on; waiters are told. */
    void replace(DmaFence f) {
        List<Runnable> wake;
        synchronized (this) {
            fence = f;
            wake = List.copyOf(waiters);
        }
        wake.forEach(Runnable::run);
    }

    synchronized void addWaiter(Runnable r) {
        waiters.add(r);
    }

    synchronized void removeWaiter(Runnable r) {
        waiters.remove(r);
    }
}
