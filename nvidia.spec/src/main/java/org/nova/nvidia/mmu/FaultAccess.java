package org.nova.nvidia.mmu;

/**
 * The kind of access that faulted, with its fault-buffer code ({@code NV_PFAULT_ACCESS_TYPE_*}).
 * Source: open-gpu-kernel-modules volta/gv100/dev_fault.h.
 */
public enum FaultAccess {
    /** A read through a VA space. */
    VIRT_READ(0x0),
    /** A write through a VA space. */
    VIRT_WRITE(0x1),
    /** An atomic (strong) through a VA space. */
    VIRT_ATOMIC(0x2),
    /** A prefetch through a VA space. */
    VIRT_PREFETCH(0x3);

    private final int code;

    FaultAccess(int code) {
        this.code = code;
    }

    /** @return the {@code NV_PFAULT_ACCESS_TYPE} value */
    public int code() {
        return code;
    }
}
