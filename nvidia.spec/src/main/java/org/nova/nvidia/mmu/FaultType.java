package org.nova.nvidia.mmu;

/**
 * Why the GPU MMU refused an access, with the code a fault buffer entry carries
 * ({@code NV_PFAULT_FAULT_TYPE_*}). Source: open-gpu-kernel-modules volta/gv100/dev_fault.h (the
 * values Turing, Ampere and Ada keep; hopper/gh100/dev_fault.h publishes engine and client ids
 * but no fault types, so Hopper and Blackwell faults use these codes too).
 */
public enum FaultType {
    /** A PDE on the walk is invalid. */
    PDE(0x00),
    /** A PDE's size does not match (a page table where the level holds none). */
    PDE_SIZE(0x01),
    /** The PTE is invalid. */
    PTE(0x02),
    /** The VA lies above the instance block's ADR_LIMIT. */
    VA_LIMIT_VIOLATION(0x03),
    /** No instance block is bound, or it is not usable. */
    UNBOUND_INST_BLOCK(0x04),
    /** A non-privileged client reached a privileged page. */
    PRIV_VIOLATION(0x05),
    /** A write to a read-only page. */
    RO_VIOLATION(0x06),
    /** A read of a write-only page. */
    WO_VIOLATION(0x07),
    /** The PTE's aperture is not one the access can reach. */
    UNSUPPORTED_APERTURE(0x0a),
    /** The PTE's kind is not supported. */
    UNSUPPORTED_KIND(0x0c);

    private final int code;

    FaultType(int code) {
        this.code = code;
    }

    /** @return the {@code NV_PFAULT_FAULT_TYPE} value */
    public int code() {
        return code;
    }
}
