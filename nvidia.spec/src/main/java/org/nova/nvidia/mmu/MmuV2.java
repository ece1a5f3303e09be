package org.nova.nvidia.mmu;

import java.util.List;

/**
 * GPU MMU format version 2 (Pascal to Ada): 49-bit VAs walked through five levels, PD3 (VA
 * 48:47), PD2 (46:38), PD1 (37:29), PD0 (28:21, dual entries) and a page table, with 4 KiB pages
 * in a small page table (20:12), 64 KiB pages in a big page table (20:16) and 2 MiB pages as a PTE
 * in PD0's big half. Entry fields from open-gpu-kernel-modules pascal/gp100/dev_mmu.h
 * ({@code NV_MMU_VER2_PDE_*}, {@code NV_MMU_VER2_DUAL_PDE_*}, {@code NV_MMU_VER2_PTE_*}, unchanged
 * through turing/tu102 and ada/ad102); the level layout from nouveau mmu/vmmgp100.c
 * ({@code gp100_vmm_desc_12}, {@code gp100_vmm_desc_16}) and vmmtu102.c (the page sizes Turing
 * maps). Addresses in entries are {@code addr >> 12} at bit 8 (a dual PDE's big half:
 * {@code addr >> 8} at bit 4, the big page table being 256 bytes).
 *
 * <p>A PTE is recognised by VALID (bit 0); a PDE's bit 0 is zero and its aperture says whether it
 * points anywhere. Encoders and decoders below are the one place both the driver and the
 * simulated GPU build and read entries.
 */
public final class MmuV2 {
    private static final String SRC = "open-gpu-kernel-modules pascal/gp100/dev_mmu.h";

    /** Bits of a virtual address. */
    public static final int VA_BITS = 49;
    /** 4 KiB pages (small page table). */
    public static final int PAGE_SHIFT_4K = 12;
    /** 64 KiB pages (big page table; the instance block's BIG_PAGE_SIZE_64KB). */
    public static final int PAGE_SHIFT_64K = 16;
    /** 2 MiB pages (a PTE in PD0). */
    public static final int PAGE_SHIFT_2M = 21;

    /** PD3: VA 48:47. */
    public static final MmuLevel PD3 = new MmuLevel("PD3", 47, 2, 8, false);
    /** PD2: VA 46:38. */
    public static final MmuLevel PD2 = new MmuLevel("PD2", 38, 9, 8, false);
    /** PD1: VA 37:29. */
    public static final MmuLevel PD1 = new MmuLevel("PD1", 29, 9, 8, false);
    /** PD0: VA 28:21, 16-byte dual entries (big half: 64 KiB page table or a 2 MiB PTE; small half: 4 KiB page table). */
    public static final MmuLevel PD0 = new MmuLevel("PD0", 21, 8, 16, true);
    /** The small page table: VA 20:12, 512 PTEs of 4 KiB pages. */
    public static final MmuLevel SPT = new MmuLevel("PT(4K)", 12, 9, 8, false);
    /** The big page table: VA 20:16, 32 PTEs of 64 KiB pages (256 bytes). */
    public static final MmuLevel LPT = new MmuLevel("PT(64K)", 16, 5, 8, false);
    /** The directory levels from the root down. */
    public static final List<MmuLevel> DIRECTORIES = List.of(PD3, PD2, PD1, PD0);

    /** {@code NV_MMU_VER2_PDE_APERTURE_INVALID} (also the dual PDE halves'). */
    public static final int PDE_APERTURE_INVALID = 0;
    /** {@code NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY}. */
    public static final int PDE_APERTURE_VIDEO_MEMORY = 1;
    /** {@code NV_MMU_VER2_PDE_APERTURE_SYSTEM_COHERENT_MEMORY}. */
    public static final int PDE_APERTURE_SYSTEM_COHERENT = 2;
    /** {@code NV_MMU_VER2_PDE_APERTURE_SYSTEM_NON_COHERENT_MEMORY}. */
    public static final int PDE_APERTURE_SYSTEM_NON_COHERENT = 3;
    /** {@code NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY}. */
    public static final int PTE_APERTURE_VIDEO_MEMORY = 0;
    /** {@code NV_MMU_VER2_PTE_APERTURE_PEER_MEMORY}. */
    public static final int PTE_APERTURE_PEER_MEMORY = 1;
    /** {@code NV_MMU_VER2_PTE_APERTURE_SYSTEM_COHERENT_MEMORY}. */
    public static final int PTE_APERTURE_SYSTEM_COHERENT = 2;
    /** {@code NV_MMU_VER2_PTE_APERTURE_SYSTEM_NON_COHERENT_MEMORY}. */
    public static final int PTE_APERTURE_SYSTEM_NON_COHERENT = 3;

    /** {@code NV_MMU_VER2_PDE_ADDRESS_SHIFT} (also the PTE's and the dual PDE's small half). */
    public static final int ADDRESS_SHIFT = 12;
    /** {@code NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT}: the big page table is 256-byte aligned. */
    public static final int ADDRESS_BIG_SHIFT = 8;

    // single PDE (PD3, PD2, PD1)
    /** Bit 0 of a PDE: set only in a PTE (VALID), so a PDE keeps it clear. */
    public static final EntryField PDE_IS_PTE = EntryField.of("NV_MMU_VER2_PDE_IS_PTE", 0, 0,
            "Set: the entry is a PTE, not a PDE");
    /** Where the next level lives. */
    public static final EntryField PDE_APERTURE = EntryField.of("NV_MMU_VER2_PDE_APERTURE", 2, 1,
            "0 INVALID, 1 VIDEO_MEMORY, 2 SYSTEM_COHERENT, 3 SYSTEM_NON_COHERENT");
    /** Volatile (uncached) next level. */
    public static final EntryField PDE_VOL = EntryField.of("NV_MMU_VER2_PDE_VOL", 3, 3, "Volatile");
    /** Next level's VRAM address >> 12. */
    public static final EntryField PDE_ADDRESS_VID = EntryField.of("NV_MMU_VER2_PDE_ADDRESS_VID", 32, 8,
            "Next level's video memory address >> 12");
    /** Next level's system memory address >> 12. */
    public static final EntryField PDE_ADDRESS_SYS = EntryField.of("NV_MMU_VER2_PDE_ADDRESS_SYS", 53, 8,
            "Next level's system memory address >> 12");

    // dual PDE (PD0): big half bits 63:0, small half 127:64
    /** The big half's aperture (big page table). */
    public static final EntryField DUAL_PDE_APERTURE_BIG = EntryField.of("NV_MMU_VER2_DUAL_PDE_APERTURE_BIG",
            2, 1, "Big page table aperture (0 INVALID)");
    /** The big half's volatile bit. */
    public static final EntryField DUAL_PDE_VOL_BIG = EntryField.of("NV_MMU_VER2_DUAL_PDE_VOL_BIG", 3, 3,
            "Big page table volatile");
    /** The big page table's VRAM address >> 8. */
    public static final EntryField DUAL_PDE_ADDRESS_BIG_VID = EntryField.of("NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_VID",
            32, 4, "Big page table video memory address >> 8");
    /** The small half's aperture (small page table). */
    public static final EntryField DUAL_PDE_APERTURE_SMALL = EntryField.of("NV_MMU_VER2_DUAL_PDE_APERTURE_SMALL",
            66, 65, "Small page table aperture (0 INVALID)");
    /** The small half's volatile bit. */
    public static final EntryField DUAL_PDE_VOL_SMALL = EntryField.of("NV_MMU_VER2_DUAL_PDE_VOL_SMALL", 67, 67,
            "Small page table volatile");
    /** The small page table's VRAM address >> 12. */
    public static final EntryField DUAL_PDE_ADDRESS_SMALL_VID = EntryField.of(
            "NV_MMU_VER2_DUAL_PDE_ADDRESS_SMALL_VID", 96, 72, "Small page table video memory address >> 12");

    // PTE
    /** The PTE maps a page. */
    public static final EntryField PTE_VALID = EntryField.of("NV_MMU_VER2_PTE_VALID", 0, 0, "Valid");
    /** Where the page lives. */
    public static final EntryField PTE_APERTURE = EntryField.of("NV_MMU_VER2_PTE_APERTURE", 2, 1,
            "0 VIDEO_MEMORY, 1 PEER_MEMORY, 2 SYSTEM_COHERENT, 3 SYSTEM_NON_COHERENT");
    /** Volatile (uncached) page; with VALID clear, nouveau's sparse marker. */
    public static final EntryField PTE_VOL = EntryField.of("NV_MMU_VER2_PTE_VOL", 3, 3, "Volatile");
    /** Encrypted page. */
    public static final EntryField PTE_ENCRYPTED = EntryField.of("NV_MMU_VER2_PTE_ENCRYPTED", 4, 4, "Encrypted");
    /**
     * Privileged page: only privileged clients may access it. With VALID clear in a big page
     * table, nouveau's marker "use the small page table for this 64 KiB" (vmmgp100.c
     * {@code gp100_vmm_lpt_invalid}).
     */
    public static final EntryField PTE_PRIVILEGE = EntryField.of("NV_MMU_VER2_PTE_PRIVILEGE", 5, 5,
            "Privileged clients only");
    /** Read-only page. */
    public static final EntryField PTE_READ_ONLY = EntryField.of("NV_MMU_VER2_PTE_READ_ONLY", 6, 6, "Read-only");
    /** Atomics disabled. */
    public static final EntryField PTE_ATOMIC_DISABLE = EntryField.of("NV_MMU_VER2_PTE_ATOMIC_DISABLE", 7, 7,
            "Atomics disabled");
    /** The page's VRAM address >> 12. */
    public static final EntryField PTE_ADDRESS_VID = EntryField.of("NV_MMU_VER2_PTE_ADDRESS_VID", 32, 8,
            "Video memory page address >> 12");
    /** The page's system memory address >> 12. */
    public static final EntryField PTE_ADDRESS_SYS = EntryField.of("NV_MMU_VER2_PTE_ADDRESS_SYS", 53, 8,
            "System memory page address >> 12");
    /** Peer index of a peer-memory page. */
    public static final EntryField PTE_ADDRESS_VID_PEER = EntryField.of("NV_MMU_VER2_PTE_ADDRESS_VID_PEER", 35, 33,
            "Peer index");
    /** Compression tag line. */
    public static final EntryField PTE_COMPTAGLINE = EntryField.of("NV_MMU_VER2_PTE_COMPTAGLINE", 53, 36,
            "Compression tag line");
    /** Memory kind (0 = pitch, the generic kind). */
    public static final EntryField PTE_KIND = EntryField.of("NV_MMU_VER2_PTE_KIND", 63, 56, "Kind (0 = PITCH)");

    private MmuV2() {
    }

    /** @return whether {@code shift} is one of the page sizes the format maps (4 KiB, 64 KiB, 2 MiB) */
    public static boolean isPageShift(int shift) {
        return shift == PAGE_SHIFT_4K || shift == PAGE_SHIFT_64K || shift == PAGE_SHIFT_2M;
    }

    /**
     * A PTE mapping a video memory page.
     *
     * @param pa the page's VRAM address, aligned to 4 KiB at least
     * @param readOnly whether writes fault
     * @param privileged whether only privileged clients may access it
     * @return the 64-bit PTE
     * @throws IllegalArgumentException if {@code pa} is misaligned or does not fit
     */
    public static long vramPte(long pa, boolean readOnly, boolean privileged) {
        checkAligned(pa, ADDRESS_SHIFT, "page address");
        long e = PTE_VALID.of(1) | PTE_APERTURE.of(PTE_APERTURE_VIDEO_MEMORY)
                | PTE_ADDRESS_VID.of(pa >>> ADDRESS_SHIFT);
        e = PTE_READ_ONLY.set(e, readOnly ? 1 : 0);
        return PTE_PRIVILEGE.set(e, privileged ? 1 : 0);
    }

    /**
     * A PTE mapping a system memory page the GPU reaches at a DMA (bus) address, as nouveau's
     * vmmgp100.c {@code gp100_vmm_valid} builds it: aperture SYSTEM_COHERENT_MEMORY with VOL set
     * (nouveau sets VOL by default for {@code NVKM_MEM_TARGET_HOST}: the GPU does not cache a page
     * the CPU writes behind its back) or SYSTEM_NON_COHERENT_MEMORY without VOL
     * ({@code NVKM_MEM_TARGET_NCOH}); the address is {@code addr >> 12} at bit 8
     * ({@link #PTE_ADDRESS_SYS}).
     *
     * @param addr the page's DMA address, aligned to 4 KiB at least
     * @param coherent whether the page is coherent with the CPU's caches (snooped)
     * @param readOnly whether writes fault
     * @return the 64-bit PTE
     * @throws IllegalArgumentException if {@code addr} is misaligned or does not fit
     */
    public static long sysPte(long addr, boolean coherent, boolean readOnly) {
        checkAligned(addr, ADDRESS_SHIFT, "system memory page address");
        long e = PTE_VALID.of(1)
                | PTE_APERTURE.of(coherent ? PTE_APERTURE_SYSTEM_COHERENT : PTE_APERTURE_SYSTEM_NON_COHERENT)
                | PTE_ADDRESS_SYS.of(addr >>> ADDRESS_SHIFT);
        e = PTE_VOL.set(e, coherent ? 1 : 0);
        return PTE_READ_ONLY.set(e, readOnly ? 1 : 0);
    }

    /**
     * The sparse PTE (4 KiB and 64 KiB page tables, and the single PDEs PD3..PD1): VALID_FALSE +
     * VOL, nouveau vmmgp100.c {@code gp100_vmm_pgt_sparse} ("VALID_FALSE + VOL tells the MMU to
     * treat the PTE as sparse"): reads through it return zero, writes are dropped, no fault.
     *
     * @return the 64-bit entry
     */
    public static long sparsePte() {
        return PTE_VOL.of(1);
    }

    /**
     * The big half of a sparse dual PDE (PD0): VALID_FALSE + VOL_BIG with both halves' apertures
     * INVALID, nouveau vmmgp100.c {@code gp100_vmm_pd0_sparse}; the small half is 0. The whole
     * 2 MiB the entry covers is sparse.
     *
     * @return the low 64-bit word of the dual PDE
     */
    public static long dualSparseBig() {
        return DUAL_PDE_VOL_BIG.of(1);
    }

    /** @return whether a PTE (or a single PDE) is the sparse encoding: VALID clear, VOL set, aperture INVALID for a PDE */
    public static boolean isSparse(long entry) {
        return !PTE_VALID.isSet(entry) && PTE_VOL.isSet(entry) && PDE_APERTURE.get(entry) == PDE_APERTURE_INVALID;
    }

    /** @return whether a dual PDE is the sparse encoding ({@link #dualSparseBig}) */
    public static boolean isDualSparse(long big, long small) {
        return !PTE_VALID.isSet(big) && DUAL_PDE_VOL_BIG.isSet(big)
                && DUAL_PDE_APERTURE_BIG.get(big) == PDE_APERTURE_INVALID
                && DUAL_PDE_APERTURE_SMALL.get(small) == PDE_APERTURE_INVALID;
    }

    /** @return whether a valid PTE's aperture is one of the two system memory apertures */
    public static boolean isSysmemPte(long pte) {
        long ap = PTE_APERTURE.get(pte);
        return ap == PTE_APERTURE_SYSTEM_COHERENT || ap == PTE_APERTURE_SYSTEM_NON_COHERENT;
    }

    /**
     * The unmapped big-page PTE under which the MMU walks the small page table for its 64 KiB: all
     * zero (nouveau vmm.c nvkm_vmm_ref_sptes writes an LPTE back to "unmapped", its "I -&gt; U",
     * once 4 KiB PTEs below it are in use).
     *
     * @return the 64-bit entry
     */
    public static long lptUseSmall() {
        return 0;
    }

    /**
     * The invalid big-page PTE telling the MMU that no 4 KiB page lies below it, so the small
     * table is not fetched and the access faults (nouveau vmmgp100.c {@code gp100_vmm_lpt_invalid}:
     * VALID_FALSE + PRIV; vmm.c's "U -&gt; I" once the last 4 KiB PTE below is unreferenced).
     *
     * @return the 64-bit entry
     */
    public static long lptNoSmall() {
        return PTE_PRIVILEGE.of(1);
    }

    /**
     * @return whether a big-page PTE sends the walk to the small page table: not valid, and neither
     *     sparse (VOL) nor "no 4 KiB page below" (PRIV)
     */
    public static boolean isLptUseSmall(long lpte) {
        return !PTE_VALID.isSet(lpte) && !PTE_VOL.isSet(lpte) && !PTE_PRIVILEGE.isSet(lpte);
    }

    /**
     * A PDE (PD3, PD2, PD1) pointing at a table in VRAM.
     *
     * @param table the next level's VRAM address, 4 KiB aligned
     * @return the 64-bit PDE
     */
    public static long vramPde(long table) {
        checkAligned(table, ADDRESS_SHIFT, "page directory address");
        return PDE_APERTURE.of(PDE_APERTURE_VIDEO_MEMORY) | PDE_ADDRESS_VID.of(table >>> ADDRESS_SHIFT);
    }

    /**
     * The big half of a dual PDE pointing at a big page table in VRAM.
     *
     * @param table the big page table's VRAM address, 256-byte aligned
     * @return the low 64-bit word of the dual PDE
     */
    public static long dualBigVram(long table) {
        checkAligned(table, ADDRESS_BIG_SHIFT, "big page table address");
        return DUAL_PDE_APERTURE_BIG.of(PDE_APERTURE_VIDEO_MEMORY)
                | DUAL_PDE_ADDRESS_BIG_VID.of(table >>> ADDRESS_BIG_SHIFT);
    }

    /**
     * The small half of a dual PDE pointing at a small page table in VRAM.
     *
     * @param table the small page table's VRAM address, 4 KiB aligned
     * @return the high 64-bit word of the dual PDE
     */
    public static long dualSmallVram(long table) {
        checkAligned(table, ADDRESS_SHIFT, "small page table address");
        return DUAL_PDE_APERTURE_SMALL.of(PDE_APERTURE_VIDEO_MEMORY)
                | DUAL_PDE_ADDRESS_SMALL_VID.of(table >>> ADDRESS_SHIFT);
    }

    /** @return the VRAM address a PDE ({@link #PDE_ADDRESS_VID}) points at */
    public static long pdeAddress(long pde) {
        return PDE_ADDRESS_VID.get(pde) << ADDRESS_SHIFT;
    }

    /** @return the VRAM address a dual PDE's big half points at */
    public static long dualBigAddress(long big) {
        return DUAL_PDE_ADDRESS_BIG_VID.get(big) << ADDRESS_BIG_SHIFT;
    }

    /** @return the VRAM address a dual PDE's small half points at */
    public static long dualSmallAddress(long small) {
        return DUAL_PDE_ADDRESS_SMALL_VID.get(small) << ADDRESS_SHIFT;
    }

    /** @return the page address a video-memory PTE maps */
    public static long pteAddress(long pte) {
        return PTE_ADDRESS_VID.get(pte) << ADDRESS_SHIFT;
    }

    /** @return the DMA address a system-memory PTE maps */
    public static long pteSysAddress(long pte) {
        return PTE_ADDRESS_SYS.get(pte) << ADDRESS_SHIFT;
    }

    /** @return the address a PTE maps, read from the field its aperture uses (VID or SYS) */
    public static long ptePageAddress(long pte) {
        return isSysmemPte(pte) ? pteSysAddress(pte) : pteAddress(pte);
    }

    private static void checkAligned(long addr, int shift, String what) {
        if (addr < 0 || (addr & ((1L << shift) - 1)) != 0) {
            throw new IllegalArgumentException(String.format("%s 0x%x is not %d-byte aligned", what, addr, 1L << shift));
        }
    }
}
