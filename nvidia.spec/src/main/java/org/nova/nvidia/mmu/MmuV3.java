package org.nova.nvidia.mmu;

import java.util.List;

/**
 * GPU MMU format version 3 (Hopper and Blackwell): 57-bit VAs walked through six levels, PD4
 * (VA 56), PD3 (55:47), PD2 (46:38), PD1 (37:29), PD0 (28:21, dual entries) and a page table,
 * with 4 KiB pages in a small page table (20:12), 64 KiB pages in a big page table (20:16) and
 * 2 MiB pages as a PTE in PD0's big half. Entry fields and values from open-gpu-kernel-modules
 * {@code src/common/inc/swref/published/hopper/gh100/dev_mmu.h} ({@code NV_MMU_VER3_PDE_*},
 * {@code NV_MMU_VER3_DUAL_PDE_*}, {@code NV_MMU_VER3_PTE_*}; commit 4d89f9d8); the level layout,
 * the PDE and PTE encodings the driver writes and the sparse and "no valid 4 KiB page" markers
 * from nouveau {@code nvkm/subdev/mmu/vmmgh100.c} (torvalds/linux 74f1af95: {@code gh100_vmm_desc_12/16},
 * {@code gh100_vmm_pde}, {@code gh100_vmm_valid}, {@code gh100_vmm_pgt_sparse},
 * {@code gh100_vmm_pd0_sparse}, {@code gh100_vmm_lpt_invalid}).
 *
 * <p>What changed from version 2 ({@link MmuV2}): addresses sit in place (bits 51:12, a VRAM page
 * 39:12) instead of {@code addr >> 12} at bit 8; the VOL, PRIVILEGE, READ_ONLY and
 * ATOMIC_DISABLE bits are folded into a 5-bit PCF (permission control flags) whose values the
 * header enumerates; with VALID clear the PCF names what an invalid PTE is (INVALID, SPARSE,
 * MAPPING_NOWHERE, NO_VALID_4KB_PAGE); KIND moves to 11:8. The instance block is unchanged:
 * nouveau's gh100 VMM joins through {@code gv100_vmm_join}, the same {@code NV_RAMIN} words and
 * VER2/64 KiB bits as Pascal+ ({@link Ramin#pageDirBaseV2}); the version 3 walk is the chip's.
 *
 * <p>Big page table semantics as nouveau's vmm.c uses them: an LPTE with VALID clear and PCF
 * INVALID (all zero) lets the MMU walk the small page table for its 64 KiB;
 * {@code NO_VALID_4KB_PAGE} tells it there is nothing there (the PTE faults without a small
 * table walk).
 */
public final class MmuV3 {
    /** Bits of a virtual address. */
    public static final int VA_BITS = 57;

    /** PD4: VA 56 (two entries; nouveau allocates the table as 4 KiB). */
    public static final MmuLevel PD4 = new MmuLevel("PD4", 56, 1, 8, false);
    /** PD3: VA 55:47. */
    public static final MmuLevel PD3 = new MmuLevel("PD3", 47, 9, 8, false);
    /** PD2: VA 46:38. */
    public static final MmuLevel PD2 = new MmuLevel("PD2", 38, 9, 8, false);
    /** PD1: VA 37:29. */
    public static final MmuLevel PD1 = new MmuLevel("PD1", 29, 9, 8, false);
    /** PD0: VA 28:21, 16-byte dual entries ({@code NV_MMU_VER3_DUAL_PDE__SIZE}). */
    public static final MmuLevel PD0 = new MmuLevel("PD0", 21, 8, 16, true);
    /** The small page table: VA 20:12, 512 PTEs of 4 KiB pages. */
    public static final MmuLevel SPT = new MmuLevel("PT(4K)", 12, 9, 8, false);
    /** The big page table: VA 20:16, 32 PTEs of 64 KiB pages (256 bytes: ADDRESS_BIG_SHIFT 8). */
    public static final MmuLevel LPT = new MmuLevel("PT(64K)", 16, 5, 8, false);
    /** The directory levels from the root down. */
    public static final List<MmuLevel> DIRECTORIES = List.of(PD4, PD3, PD2, PD1, PD0);

    /** {@code NV_MMU_VER3_PDE_APERTURE_INVALID} (also the dual PDE halves'). */
    public static final int PDE_APERTURE_INVALID = 0;
    /** {@code NV_MMU_VER3_PDE_APERTURE_VIDEO_MEMORY}. */
    public static final int PDE_APERTURE_VIDEO_MEMORY = 1;
    /** {@code NV_MMU_VER3_PDE_APERTURE_SYSTEM_COHERENT_MEMORY}. */
    public static final int PDE_APERTURE_SYSTEM_COHERENT = 2;
    /** {@code NV_MMU_VER3_PDE_APERTURE_SYSTEM_NON_COHERENT_MEMORY}. */
    public static final int PDE_APERTURE_SYSTEM_NON_COHERENT = 3;
    /** {@code NV_MMU_VER3_PTE_APERTURE_VIDEO_MEMORY}. */
    public static final int PTE_APERTURE_VIDEO_MEMORY = 0;
    /** {@code NV_MMU_VER3_PTE_APERTURE_PEER_MEMORY}. */
    public static final int PTE_APERTURE_PEER_MEMORY = 1;
    /** {@code NV_MMU_VER3_PTE_APERTURE_SYSTEM_COHERENT_MEMORY}. */
    public static final int PTE_APERTURE_SYSTEM_COHERENT = 2;
    /** {@code NV_MMU_VER3_PTE_APERTURE_SYSTEM_NON_COHERENT_MEMORY}. */
    public static final int PTE_APERTURE_SYSTEM_NON_COHERENT = 3;

    /** {@code NV_MMU_VER3_PDE_ADDRESS_SHIFT} (also the PTE's and the dual PDE's small half). */
    public static final int ADDRESS_SHIFT = 12;
    /** {@code NV_MMU_VER3_DUAL_PDE_ADDRESS_BIG_SHIFT}: the big page table is 256-byte aligned. */
    public static final int ADDRESS_BIG_SHIFT = 8;

    // single PDE (PD4..PD1)
    /** Bit 0: set only in a PTE. */
    public static final EntryField PDE_IS_PTE = EntryField.of("NV_MMU_VER3_PDE_IS_PTE", 0, 0, "Set: a PTE");
    /** Where the next level lives. */
    public static final EntryField PDE_APERTURE = EntryField.of("NV_MMU_VER3_PDE_APERTURE", 2, 1,
            "0 INVALID, 1 VIDEO_MEMORY, 2 SYSTEM_COHERENT, 3 SYSTEM_NON_COHERENT");
    /** Permission control flags of a PDE: cached or not, ATS allowed or not; with aperture INVALID, sparse or not. */
    public static final EntryField PDE_PCF = EntryField.of("NV_MMU_VER3_PDE_PCF", 5, 3, "PDE permission control flags");
    /** Next level's address bits 51:12, in place ({@code >> 12} as the field's value). */
    public static final EntryField PDE_ADDRESS = EntryField.of("NV_MMU_VER3_PDE_ADDRESS", 51, 12,
            "Next level's address >> 12");
    /** {@code NV_MMU_VER3_PDE_PCF_VALID_CACHED_ATS_ALLOWED}, also {@code _INVALID_ATS_ALLOWED}. */
    public static final int PDE_PCF_VALID_CACHED_ATS_ALLOWED = 0x0;
    /** {@code NV_MMU_VER3_PDE_PCF_VALID_UNCACHED_ATS_ALLOWED}, also {@code _SPARSE_ATS_ALLOWED}. */
    public static final int PDE_PCF_SPARSE_ATS_ALLOWED = 0x1;
    /** {@code NV_MMU_VER3_PDE_PCF_VALID_CACHED_ATS_NOT_ALLOWED}: what nouveau writes for a VRAM table. */
    public static final int PDE_PCF_VALID_CACHED_ATS_NOT_ALLOWED = 0x2;
    /** {@code NV_MMU_VER3_PDE_PCF_VALID_UNCACHED_ATS_NOT_ALLOWED}, also {@code _SPARSE_ATS_NOT_ALLOWED}. */
    public static final int PDE_PCF_SPARSE_ATS_NOT_ALLOWED = 0x3;

    // dual PDE (PD0): big half bits 63:0, small half 127:64
    /** The big half's aperture (big page table). */
    public static final EntryField DUAL_PDE_APERTURE_BIG = EntryField.of("NV_MMU_VER3_DUAL_PDE_APERTURE_BIG", 2, 1,
            "Big page table aperture (0 INVALID)");
    /** The big half's permission control flags (values as {@link #PDE_PCF}). */
    public static final EntryField DUAL_PDE_PCF_BIG = EntryField.of("NV_MMU_VER3_DUAL_PDE_PCF_BIG", 5, 3,
            "Big half permission control flags");
    /** The big page table's address bits 51:8 in place ({@code >> 8} as the field's value). */
    public static final EntryField DUAL_PDE_ADDRESS_BIG = EntryField.of("NV_MMU_VER3_DUAL_PDE_ADDRESS_BIG", 51, 8,
            "Big page table address >> 8");
    /** The small half's aperture (small page table). */
    public static final EntryField DUAL_PDE_APERTURE_SMALL = EntryField.of("NV_MMU_VER3_DUAL_PDE_APERTURE_SMALL",
            66, 65, "Small page table aperture (0 INVALID)");
    /** The small half's permission control flags. */
    public static final EntryField DUAL_PDE_PCF_SMALL = EntryField.of("NV_MMU_VER3_DUAL_PDE_PCF_SMALL", 69, 67,
            "Small half permission control flags");
    /** The small page table's address >> 12 (bits 115:76: 51:12 of the high word). */
    public static final EntryField DUAL_PDE_ADDRESS_SMALL = EntryField.of("NV_MMU_VER3_DUAL_PDE_ADDRESS_SMALL",
            115, 76, "Small page table address >> 12");

    // PTE
    /** The PTE maps a page. */
    public static final EntryField PTE_VALID = EntryField.of("NV_MMU_VER3_PTE_VALID", 0, 0, "Valid");
    /** Where the page lives. */
    public static final EntryField PTE_APERTURE = EntryField.of("NV_MMU_VER3_PTE_APERTURE", 2, 1,
            "0 VIDEO_MEMORY, 1 PEER_MEMORY, 2 SYSTEM_COHERENT, 3 SYSTEM_NON_COHERENT");
    /** Permission control flags: privilege, read-only, atomics, caching, access counting; with VALID clear, why invalid. */
    public static final EntryField PTE_PCF = EntryField.of("NV_MMU_VER3_PTE_PCF", 7, 3, "Permission control flags");
    /** Memory kind ({@code NV_MMU_PTE_KIND_PITCH} 0 is the generic kind the driver maps). */
    public static final EntryField PTE_KIND = EntryField.of("NV_MMU_VER3_PTE_KIND", 11, 8, "Kind (0 = PITCH)");
    /** The page's VRAM address >> 12 (bits 39:12 in place). */
    public static final EntryField PTE_ADDRESS_VID = EntryField.of("NV_MMU_VER3_PTE_ADDRESS_VID", 39, 12,
            "Video memory page address >> 12");
    /** The page's system (or peer) memory address >> 12 (bits 51:12 in place). */
    public static final EntryField PTE_ADDRESS_SYS = EntryField.of("NV_MMU_VER3_PTE_ADDRESS_SYS", 51, 12,
            "System memory page address >> 12");
    /** Peer index of a peer-memory page. */
    public static final EntryField PTE_PEER_ID = EntryField.of("NV_MMU_VER3_PTE_PEER_ID", 63, 61, "Peer index");

    // PTE PCF values with VALID clear
    /** {@code NV_MMU_VER3_PTE_PCF_INVALID}: no page (in a big page table: walk the small one). */
    public static final int PTE_PCF_INVALID = 0x00;
    /** {@code NV_MMU_VER3_PTE_PCF_SPARSE}: reads return zero, writes are dropped. */
    public static final int PTE_PCF_SPARSE = 0x01;
    /** {@code NV_MMU_VER3_PTE_PCF_MAPPING_NOWHERE}. */
    public static final int PTE_PCF_MAPPING_NOWHERE = 0x02;
    /** {@code NV_MMU_VER3_PTE_PCF_NO_VALID_4KB_PAGE}: a big page table entry with nothing in the small table below. */
    public static final int PTE_PCF_NO_VALID_4KB_PAGE = 0x03;

    // PTE PCF values with VALID set (the ones nouveau's gh100_vmm_valid writes: access counting disabled)
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACE}. */
    public static final int PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACE = 0x00;
    /** {@code NV_MMU_VER3_PTE_PCF_PRIVILEGE_RW_ATOMIC_CACHED_ACE}. */
    public static final int PTE_PCF_PRIVILEGE_RW_ATOMIC_CACHED_ACE = 0x02;
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RO_ATOMIC_CACHED_ACE}. */
    public static final int PTE_PCF_REGULAR_RO_ATOMIC_CACHED_ACE = 0x04;
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACD}: an ordinary VRAM page. */
    public static final int PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACD = 0x10;
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RW_ATOMIC_UNCACHED_ACD}: a coherent system memory page. */
    public static final int PTE_PCF_REGULAR_RW_ATOMIC_UNCACHED_ACD = 0x11;
    /** {@code NV_MMU_VER3_PTE_PCF_PRIVILEGE_RW_ATOMIC_CACHED_ACD}. */
    public static final int PTE_PCF_PRIVILEGE_RW_ATOMIC_CACHED_ACD = 0x12;
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RO_ATOMIC_CACHED_ACD}. */
    public static final int PTE_PCF_REGULAR_RO_ATOMIC_CACHED_ACD = 0x14;
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RO_ATOMIC_UNCACHED_ACD}. */
    public static final int PTE_PCF_REGULAR_RO_ATOMIC_UNCACHED_ACD = 0x15;
    /** {@code NV_MMU_VER3_PTE_PCF_PRIVILEGE_RO_ATOMIC_CACHED_ACD}. */
    public static final int PTE_PCF_PRIVILEGE_RO_ATOMIC_CACHED_ACD = 0x16;

    /**
     * The PCF bits of a valid PTE, read off the header's enumeration of the 32 values (each name
     * differs from the one {@code bit} below it in exactly this property): UNCACHED.
     */
    public static final int PTE_PCF_UNCACHED_BIT = 0x01;
    /** PRIVILEGE (vs REGULAR), from the enumeration as {@link #PTE_PCF_UNCACHED_BIT}. */
    public static final int PTE_PCF_PRIVILEGE_BIT = 0x02;
    /** RO (vs RW), from the enumeration as {@link #PTE_PCF_UNCACHED_BIT}. */
    public static final int PTE_PCF_RO_BIT = 0x04;
    /** NO_ATOMIC (vs ATOMIC), from the enumeration as {@link #PTE_PCF_UNCACHED_BIT}. */
    public static final int PTE_PCF_NO_ATOMIC_BIT = 0x08;
    /** ACD, access counting disabled (vs ACE), from the enumeration as {@link #PTE_PCF_UNCACHED_BIT}. */
    public static final int PTE_PCF_ACD_BIT = 0x10;

    private MmuV3() {
    }

    /**
     * A PTE mapping a video memory page, as gh100_vmm_valid builds it: VALID, aperture VIDEO, PCF
     * REGULAR or PRIVILEGE, RW or RO, ATOMIC, CACHED, ACD; kind PITCH.
     *
     * @param pa the page's VRAM address, 4 KiB aligned, below 2^40
     * @param readOnly whether writes fault
     * @param privileged whether only privileged clients may access it
     * @return the 64-bit PTE
     * @throws IllegalArgumentException if {@code pa} is misaligned or does not fit
     */
    public static long vramPte(long pa, boolean readOnly, boolean privileged) {
        checkAligned(pa, ADDRESS_SHIFT, "page address");
        int pcf = PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACD | (readOnly ? PTE_PCF_RO_BIT : 0)
                | (privileged ? PTE_PCF_PRIVILEGE_BIT : 0);
        return PTE_VALID.of(1) | PTE_APERTURE.of(PTE_APERTURE_VIDEO_MEMORY) | PTE_PCF.of(pcf)
                | PTE_ADDRESS_VID.of(pa >>> ADDRESS_SHIFT);
    }

    /**
     * A PTE mapping a system memory page at a DMA address, as gh100_vmm_valid builds it: aperture
     * SYSTEM_COHERENT with an UNCACHED PCF (nouveau's "vol" for {@code NVKM_MEM_TARGET_HOST}), or
     * SYSTEM_NON_COHERENT with a CACHED one.
     *
     * @param addr the page's DMA address, 4 KiB aligned, below 2^52
     * @param coherent whether the page is snooped
     * @param readOnly whether writes fault
     * @return the 64-bit PTE
     * @throws IllegalArgumentException if {@code addr} is misaligned or does not fit
     */
    public static long sysPte(long addr, boolean coherent, boolean readOnly) {
        checkAligned(addr, ADDRESS_SHIFT, "system memory page address");
        int pcf = PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACD | (coherent ? PTE_PCF_UNCACHED_BIT : 0)
                | (readOnly ? PTE_PCF_RO_BIT : 0);
        return PTE_VALID.of(1)
                | PTE_APERTURE.of(coherent ? PTE_APERTURE_SYSTEM_COHERENT : PTE_APERTURE_SYSTEM_NON_COHERENT)
                | PTE_PCF.of(pcf) | PTE_ADDRESS_SYS.of(addr >>> ADDRESS_SHIFT);
    }

    /**
     * The sparse PTE, also written into a single PDE (PD4..PD1) to make its whole span sparse:
     * VALID clear, PCF SPARSE (gh100_vmm_pgt_sparse; in a PDE the same bits read as aperture
     * INVALID, PCF SPARSE_ATS_ALLOWED).
     *
     * @return the 64-bit entry
     */
    public static long sparsePte() {
        return PTE_PCF.of(PTE_PCF_SPARSE);
    }

    /** @return the low word of a sparse dual PDE: PCF_BIG SPARSE_ATS_ALLOWED, the high word 0 (gh100_vmm_pd0_sparse) */
    public static long dualSparseBig() {
        return DUAL_PDE_PCF_BIG.of(PDE_PCF_SPARSE_ATS_ALLOWED);
    }

    /** @return whether a PTE or single PDE is the sparse encoding: VALID clear, aperture INVALID, PCF SPARSE */
    public static boolean isSparse(long entry) {
        return !PTE_VALID.isSet(entry) && PDE_APERTURE.get(entry) == PDE_APERTURE_INVALID
                && PTE_PCF.get(entry) == PTE_PCF_SPARSE;
    }

    /** @return whether a dual PDE is the sparse encoding ({@link #dualSparseBig}) */
    public static boolean isDualSparse(long big, long small) {
        return !PTE_VALID.isSet(big) && DUAL_PDE_APERTURE_BIG.get(big) == PDE_APERTURE_INVALID
                && DUAL_PDE_PCF_BIG.get(big) == PDE_PCF_SPARSE_ATS_ALLOWED
                && DUAL_PDE_APERTURE_SMALL.get(small) == PDE_APERTURE_INVALID;
    }

    /** @return the big page table entry that lets the MMU walk the small table for its 64 KiB: all zero (PCF INVALID) */
    public static long lptUseSmall() {
        return 0;
    }

    /** @return whether a big page table entry sends the walk to the small page table (VALID clear, PCF INVALID) */
    public static boolean isLptUseSmall(long lpte) {
        return !PTE_VALID.isSet(lpte) && PTE_PCF.get(lpte) == PTE_PCF_INVALID && PTE_APERTURE.get(lpte) == 0;
    }

    /** @return the big page table entry saying no 4 KiB page lies below (gh100_vmm_lpt_invalid) */
    public static long lptNoSmall() {
        return PTE_PCF.of(PTE_PCF_NO_VALID_4KB_PAGE);
    }

    /** @return whether a valid PTE's PCF marks it privileged */
    public static boolean isPrivileged(long pte) {
        return (PTE_PCF.get(pte) & PTE_PCF_PRIVILEGE_BIT) != 0;
    }

    /** @return whether a valid PTE's PCF marks it read-only */
    public static boolean isReadOnly(long pte) {
        return (PTE_PCF.get(pte) & PTE_PCF_RO_BIT) != 0;
    }

    /** @return whether a valid PTE's aperture is one of the two system memory apertures */
    public static boolean isSysmemPte(long pte) {
        long ap = PTE_APERTURE.get(pte);
        return ap == PTE_APERTURE_SYSTEM_COHERENT || ap == PTE_APERTURE_SYSTEM_NON_COHERENT;
    }

    /**
     * A single PDE (PD4..PD1) pointing at a table in VRAM: aperture VIDEO, PCF
     * VALID_CACHED_ATS_NOT_ALLOWED (gh100_vmm_pde for {@code NVKM_MEM_TARGET_VRAM}).
     *
     * @param table the next level's VRAM address, 4 KiB aligned
     * @return the 64-bit PDE
     */
    public static long vramPde(long table) {
        checkAligned(table, ADDRESS_SHIFT, "page directory address");
        return PDE_APERTURE.of(PDE_APERTURE_VIDEO_MEMORY) | PDE_PCF.of(PDE_PCF_VALID_CACHED_ATS_NOT_ALLOWED)
                | PDE_ADDRESS.of(table >>> ADDRESS_SHIFT);
    }

    /**
     * @param table the big page table's VRAM address, 256-byte aligned
     * @return the low word of a dual PDE pointing at it (gh100_vmm_pd0_pde)
     */
    public static long dualBigVram(long table) {
        checkAligned(table, ADDRESS_BIG_SHIFT, "big page table address");
        return DUAL_PDE_APERTURE_BIG.of(PDE_APERTURE_VIDEO_MEMORY)
                | DUAL_PDE_PCF_BIG.of(PDE_PCF_VALID_CACHED_ATS_NOT_ALLOWED)
                | DUAL_PDE_ADDRESS_BIG.of(table >>> ADDRESS_BIG_SHIFT);
    }

    /**
     * @param table the small page table's VRAM address, 4 KiB aligned
     * @return the high word of a dual PDE pointing at it (gh100_vmm_pd0_pde)
     */
    public static long dualSmallVram(long table) {
        checkAligned(table, ADDRESS_SHIFT, "small page table address");
        return DUAL_PDE_APERTURE_SMALL.of(PDE_APERTURE_VIDEO_MEMORY)
                | DUAL_PDE_PCF_SMALL.of(PDE_PCF_VALID_CACHED_ATS_NOT_ALLOWED)
                | DUAL_PDE_ADDRESS_SMALL.of(table >>> ADDRESS_SHIFT);
    }

    /** @return the address a single PDE points at */
    public static long pdeAddress(long pde) {
        return PDE_ADDRESS.get(pde) << ADDRESS_SHIFT;
    }

    /** @return the address a dual PDE's big half points at */
    public static long dualBigAddress(long big) {
        return DUAL_PDE_ADDRESS_BIG.get(big) << ADDRESS_BIG_SHIFT;
    }

    /** @return the address a dual PDE's small half points at */
    public static long dualSmallAddress(long small) {
        return DUAL_PDE_ADDRESS_SMALL.get(small) << ADDRESS_SHIFT;
    }

    /** @return the address a PTE maps, read from the field its aperture uses (VID or SYS) */
    public static long ptePageAddress(long pte) {
        return (isSysmemPte(pte) ? PTE_ADDRESS_SYS.get(pte) : PTE_ADDRESS_VID.get(pte)) << ADDRESS_SHIFT;
    }

    private static void checkAligned(long addr, int shift, String what) {
        if (addr < 0 || (addr & ((1L << shift) - 1)) != 0) {
            throw new IllegalArgumentException(String.format("%s 0x%x is not %d-byte aligned", what, addr, 1L << shift));
        }
    }
}
