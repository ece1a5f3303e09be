package org.nova.nvidia.mmu;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One GPU MMU page-table format, the one place the driver's page-table manager and walker and the
 * simulated GPU's walker build and read entries without knowing which version they handle:
 * {@link #V2} ({@link MmuV2}: Turing, Ampere, Ada) and {@link #V3} ({@link MmuV3}: Hopper,
 * Blackwell), chosen per chip by {@link MmuHal#format()}. Both share the walk's shape (nouveau's
 * {@code nvkm_vmm_desc} tables in vmmgp100.c and vmmgh100.c): single PDEs down to a dual PD0
 * whose big half holds a 2 MiB PTE or a 64 KiB page table and whose small half a 4 KiB page
 * table; bit 0 marks a PTE; the aperture fields sit at the same bits with the same values in both
 * headers ({@code NV_MMU_VER2_*_APERTURE_*} = {@code NV_MMU_VER3_*_APERTURE_*}), so aperture
 * values returned here are the headers' ({@link MmuV2#PTE_APERTURE_VIDEO_MEMORY} etc.). What
 * differs (address positions, permission bits vs PCF, the sparse and big-page markers, the VA
 * width and the number of levels) is behind this interface.
 *
 * <p>Implemented only in this package; stateless and thread-safe. Encoders throw
 * IllegalArgumentException for an address misaligned or beyond its field.
 */
@ProviderType
public interface MmuFormat {
    /** Version 2 (Pascal to Ada). */
    MmuFormat V2 = new MmuV2Format();
    /** Version 3 (Hopper, Blackwell). */
    MmuFormat V3 = new MmuV3Format();

    /** @return the format version (2 or 3) */
    int version();

    /** @return bits of a virtual address */
    int vaBits();

    /** @return the directory levels from the root down, PD0 (dual) last */
    List<MmuLevel> directories();

    /** @return the small (4 KiB) page table level */
    MmuLevel spt();

    /** @return the big (64 KiB) page table level */
    MmuLevel lpt();

    /** @return the root directory level */
    default MmuLevel root() {
        return directories().get(0);
    }

    /** @return the dual PD0 level (its entries span one 2 MiB page) */
    default MmuLevel pd0() {
        return directories().get(directories().size() - 1);
    }

    /**
     * @param dir a directory level above PD0
     * @return the directory level its entries point at
     * @throws IllegalArgumentException for PD0 or a level not of this format
     */
    default MmuLevel below(MmuLevel dir) {
        int i = directories().indexOf(dir);
        if (i < 0 || i + 1 >= directories().size()) {
            throw new IllegalArgumentException(dir + " has no directory level below it in format " + version());
        }
        return directories().get(i + 1);
    }

    /** @return whether bit 0 (VALID / IS_PTE) marks {@code entry} as a PTE */
    boolean isPte(long entry);

    /** @return a single PDE's aperture ({@code *_PDE_APERTURE_*}) */
    int pdeAperture(long pde);

    /** @return a dual PDE's big half aperture */
    int dualBigAperture(long big);

    /** @return a dual PDE's small half aperture */
    int dualSmallAperture(long small);

    /** @return a single PDE pointing at a 4 KiB aligned table in VRAM */
    long vramPde(long table);

    /** @return the low word of a dual PDE pointing at a 256-byte aligned big page table in VRAM */
    long dualBigVram(long table);

    /** @return the high word of a dual PDE pointing at a 4 KiB aligned small page table in VRAM */
    long dualSmallVram(long table);

    /** @return where a single PDE points */
    long pdeAddress(long pde);

    /** @return where a dual PDE's big half points */
    long dualBigAddress(long big);

    /** @return where a dual PDE's small half points */
    long dualSmallAddress(long small);

    /** @return a valid PTE mapping a VRAM page (4 KiB aligned) */
    long vramPte(long pa, boolean readOnly, boolean privileged);

    /** @return a valid PTE mapping a system memory page at a DMA address (4 KiB aligned) */
    long sysPte(long addr, boolean coherent, boolean readOnly);

    /** @return the bits of a system memory page address a PTE holds (DMA addresses lie below 2^this) */
    int sysAddressBits();

    /** @return a PTE's aperture ({@code *_PTE_APERTURE_*}) */
    int pteAperture(long pte);

    /** @return the page address a valid PTE maps (VID or SYS field by its aperture) */
    long ptePageAddress(long pte);

    /** @return whether a valid PTE is for privileged clients only */
    boolean isPrivileged(long pte);

    /** @return whether a valid PTE refuses writes */
    boolean isReadOnly(long pte);

    /** @return the sparse PTE, also the sparse single PDE */
    long sparsePte();

    /** @return the low word of the sparse dual PDE (the high word is 0) */
    long dualSparseBig();

    /** @return whether a PTE or single PDE is the sparse encoding */
    boolean isSparse(long entry);

    /** @return whether a dual PDE is the sparse encoding */
    boolean isDualSparse(long big, long small);

    /** @return the big page table entry (not mapping a page) that lets the walk use the small page table */
    long lptUseSmall();

    /** @return whether an invalid big page table entry sends the walk to the small page table */
    boolean isLptUseSmall(long lpte);
}
