package org.nova.nvidia.mmu;

import java.util.List;

/**
 * GPU MMU format version 3 (Hopper and later), declared so the driver names it once; the
 * simulated GPU walks version 2 only (its Hopper and Blackwell are identification-only). 57-bit
 * VAs through six levels, PD4 (VA 56) down to PD0 (28:21, dual) and the page table. Entry fields
 * from open-gpu-kernel-modules hopper/gh100/dev_mmu.h ({@code NV_MMU_VER3_*}): permissions move
 * from single bits into a PCF (permission control flags) field, and VRAM addresses sit at their
 * own bit position (51:12) rather than shifted to bit 8. Level layout from nouveau
 * mmu/vmmgh100.c.
 */
public final class MmuV3 {
    /** Bits of a virtual address. */
    public static final int VA_BITS = 57;

    /** PD4: VA 56. */
    public static final MmuLevel PD4 = new MmuLevel("PD4", 56, 1, 8, false);
    /** PD3: VA 55:47. */
    public static final MmuLevel PD3 = new MmuLevel("PD3", 47, 9, 8, false);
    /** PD2: VA 46:38. */
    public static final MmuLevel PD2 = new MmuLevel("PD2", 38, 9, 8, false);
    /** PD1: VA 37:29. */
    public static final MmuLevel PD1 = new MmuLevel("PD1", 29, 9, 8, false);
    /** PD0: VA 28:21, dual. */
    public static final MmuLevel PD0 = new MmuLevel("PD0", 21, 8, 16, true);
    /** The small page table (4 KiB pages). */
    public static final MmuLevel SPT = new MmuLevel("PT(4K)", 12, 9, 8, false);
    /** The big page table (64 KiB pages). */
    public static final MmuLevel LPT = new MmuLevel("PT(64K)", 16, 5, 8, false);
    /** The directory levels from the root down. */
    public static final List<MmuLevel> DIRECTORIES = List.of(PD4, PD3, PD2, PD1, PD0);

    /** {@code NV_MMU_VER3_PDE_ADDRESS_SHIFT} (PTE and dual PDE small half too). */
    public static final int ADDRESS_SHIFT = 12;
    /** {@code NV_MMU_VER3_DUAL_PDE_ADDRESS_BIG_SHIFT}. */
    public static final int ADDRESS_BIG_SHIFT = 8;

    /** Set in a PTE, clear in a PDE. */
    public static final EntryField PDE_IS_PTE = EntryField.of("NV_MMU_VER3_PDE_IS_PTE", 0, 0, "Set: a PTE");
    /** Where the next level lives. */
    public static final EntryField PDE_APERTURE = EntryField.of("NV_MMU_VER3_PDE_APERTURE", 2, 1,
            "0 INVALID, 1 VIDEO_MEMORY, 2 SYSTEM_COHERENT, 3 SYSTEM_NON_COHERENT");
    /** Permission control flags of a PDE (cached, ATS). */
    public static final EntryField PDE_PCF = EntryField.of("NV_MMU_VER3_PDE_PCF", 5, 3, "PDE permission control flags");
    /** Next level's address >> 12. */
    public static final EntryField PDE_ADDRESS = EntryField.of("NV_MMU_VER3_PDE_ADDRESS", 51, 12,
            "Next level's address (bits 51:12 in place)");
    /** Big half's aperture. */
    public static final EntryField DUAL_PDE_APERTURE_BIG = EntryField.of("NV_MMU_VER3_DUAL_PDE_APERTURE_BIG", 2, 1,
            "Big page table aperture");
    /** Big half's permission control flags. */
    public static final EntryField DUAL_PDE_PCF_BIG = EntryField.of("NV_MMU_VER3_DUAL_PDE_PCF_BIG", 5, 3,
            "Big half permission control flags");
    /** Big page table address >> 8. */
    public static final EntryField DUAL_PDE_ADDRESS_BIG = EntryField.of("NV_MMU_VER3_DUAL_PDE_ADDRESS_BIG", 51, 8,
            "Big page table address >> 8");
    /** Small half's aperture. */
    public static final EntryField DUAL_PDE_APERTURE_SMALL = EntryField.of("NV_MMU_VER3_DUAL_PDE_APERTURE_SMALL",
            66, 65, "Small page table aperture");
    /** Small half's permission control flags. */
    public static final EntryField DUAL_PDE_PCF_SMALL = EntryField.of("NV_MMU_VER3_DUAL_PDE_PCF_SMALL", 69, 67,
            "Small half permission control flags");
    /** Small page table address (bits 51:12 in place, in the high word). */
    public static final EntryField DUAL_PDE_ADDRESS_SMALL = EntryField.of("NV_MMU_VER3_DUAL_PDE_ADDRESS_SMALL",
            115, 76, "Small page table address >> 12");
    /** The PTE maps a page. */
    public static final EntryField PTE_VALID = EntryField.of("NV_MMU_VER3_PTE_VALID", 0, 0, "Valid");
    /** Where the page lives (0 VIDEO, 1 PEER, 2 SYS_COH, 3 SYS_NONCOH). */
    public static final EntryField PTE_APERTURE = EntryField.of("NV_MMU_VER3_PTE_APERTURE", 2, 1, "Page aperture");
    /** Permission control flags: privilege, read-only, atomics, caching, access counting. */
    public static final EntryField PTE_PCF = EntryField.of("NV_MMU_VER3_PTE_PCF", 7, 3, "Permission control flags");
    /** Memory kind. */
    public static final EntryField PTE_KIND = EntryField.of("NV_MMU_VER3_PTE_KIND", 11, 8, "Kind");
    /** The page's VRAM address bits 39:12. */
    public static final EntryField PTE_ADDRESS_VID = EntryField.of("NV_MMU_VER3_PTE_ADDRESS_VID", 39, 12,
            "Video memory page address (in place)");
    /** The page's system or peer address bits 51:12. */
    public static final EntryField PTE_ADDRESS_SYS = EntryField.of("NV_MMU_VER3_PTE_ADDRESS_SYS", 51, 12,
            "System memory page address (in place)");
    /** Peer index. */
    public static final EntryField PTE_PEER_ID = EntryField.of("NV_MMU_VER3_PTE_PEER_ID", 63, 61, "Peer index");

    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACE}: an ordinary read-write page. */
    public static final int PTE_PCF_REGULAR_RW_ATOMIC_CACHED_ACE = 0x00;
    /** {@code NV_MMU_VER3_PTE_PCF_PRIVILEGE_RW_ATOMIC_CACHED_ACE}. */
    public static final int PTE_PCF_PRIVILEGE_RW_ATOMIC_CACHED_ACE = 0x02;
    /** {@code NV_MMU_VER3_PTE_PCF_REGULAR_RO_ATOMIC_CACHED_ACE}. */
    public static final int PTE_PCF_REGULAR_RO_ATOMIC_CACHED_ACE = 0x04;

    private MmuV3() {
    }
}
