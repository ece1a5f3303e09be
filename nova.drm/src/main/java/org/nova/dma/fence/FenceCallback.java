package org.nova.dma.fence;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * {@code dma_fence_func_t}: told once that a fence signalled. Runs on the signalling thread with
 * no lock of the fence held (unlike the kernel, where callbacks run under the fence's spinlock);
 * it may add callbacks to other fences, signal other fences and take its own locks, and should
 * hand long work on. An exception it throws is logged and does not stop the other callbacks.
 */
@ConsumerType
@FunctionalInterface
public interface FenceCallback {
    /** @param fence the fence that signalled; its {@link DmaFence#error()} is final */
    void signaled(DmaFence fence);
}
