package org.nova.dma.fence;

/**
 * Why a fence signalled without its work done: the negative errno {@code dma_fence_set_error}
 * stores (include/uapi/asm-generic/errno-base.h and errno.h numbers).
 */
public enum FenceError {
    /** EIO (5): the hardware failed under the work (a channel fault, a GPU reset). */
    EIO(5),
    /** ENODEV (19): the device went away before the work ran (unbind). */
    ENODEV(19),
    /** ETIMEDOUT (110): the work ran past its time limit and was stopped. */
    ETIMEDOUT(110),
    /** ECANCELED (125): the work was cancelled before or while it ran (queue closed, channel killed). */
    ECANCELED(125);

    private final int errno;

    FenceError(int errno) {
        this.errno = errno;
    }

    /** @return the positive errno number */
    public int errno() {
        return errno;
    }
}
