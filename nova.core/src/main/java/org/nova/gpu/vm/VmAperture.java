package org.nova.gpu.vm;

import org.nova.nvidia.mmu.MmuV2;

/**
 * Where the pages of a {@link VmMapping} live, as the PTE's aperture says it
 * ({@code NV_MMU_VER2_PTE_APERTURE_*}, open-gpu-kernel-modules pascal/gp100/dev_mmu.h).
 */
public enum VmAperture {
    /** The GPU's VRAM: addresses are VRAM offsets. */
    VIDEO_MEMORY(MmuV2.PTE_APERTURE_VIDEO_MEMORY),
    /** System memory, snooped (coherent with the CPU's caches): addresses are DMA addresses. */
    SYSTEM_COHERENT(MmuV2.PTE_APERTURE_SYSTEM_COHERENT),
    /** System memory, not snooped: addresses are DMA addresses. */
    SYSTEM_NON_COHERENT(MmuV2.PTE_APERTURE_SYSTEM_NON_COHERENT);

    private final int pteValue;

    VmAperture(int pteValue) {
        this.pteValue = pteValue;
    }

    /** @return the PTE's APERTURE field value */
    public int pteValue() {
        return pteValue;
    }

    /** @return whether the pages are system memory */
    public boolean sysmem() {
        return this != VIDEO_MEMORY;
    }

    /**
     * @param value a PTE's APERTURE field
     * @return the aperture, or null for PEER_MEMORY (not used by nova)
     */
    public static VmAperture ofPte(long value) {
        for (VmAperture a : values()) {
            if (a.pteValue == value) {
                return a;
            }
        }
        return null;
    }
}
