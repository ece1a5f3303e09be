package org.nova.nvidia.regs;

/**
 * The GPU MMU's TLB invalidate, as Turing and later drive it from the physical function: the
 * {@code NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE*} registers of turing/tu102/dev_vm.h, reached in
 * the PF's BAR0 at {@code NV_VIRTUAL_FUNCTION_FULL_PHYS_OFFSET} (0xb80000), the replacement for
 * the pre-Turing {@code NV_PFB_PRI_MMU_INVALIDATE*} (0x100cb8/0x100cbc). Sequence (nouveau
 * mmu/vmmtu102.c {@code tu102_vmm_flush}): PDB, UPPER_PDB, then INVALIDATE with TRIGGER, and poll
 * until the hardware clears TRIGGER (nouveau waits 2 s).
 */
public final class MmuInvalidate {
    private static final String SRC = "open-gpu-kernel-modules turing/tu102/dev_vm.h (+0xb80000, nouveau vmmtu102.c)";

    /** {@code NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB_ADDR_ALIGNMENT}: the PDB address counts 4 KiB units. */
    public static final int PDB_ADDR_SHIFT = 12;
    /** Bits of the page directory base held in PDB_ADDR; the rest go to UPPER_PDB. */
    public static final int PDB_LOW_BITS = 40;
    /** {@code _PDB_APERTURE_VID_MEM}. */
    public static final int PDB_APERTURE_VID_MEM = 0;
    /** {@code _PDB_APERTURE_SYS_MEM}. */
    public static final int PDB_APERTURE_SYS_MEM = 1;
    /** How long nouveau waits for TRIGGER to clear, in milliseconds. */
    public static final int TIMEOUT_MS = 2000;

    /** Page directory base whose translations an invalidate drops. */
    public static final Register PDB = Register.bar0("NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB", 0x00b8_30a0,
            "Page directory base (aperture, address 39:12) of a targeted invalidate", SRC);
    /** Aperture of the page directory. */
    public static final Field PDB_APERTURE = PDB.field(1, 1, "aperture", "0 VID_MEM, 1 SYS_MEM");
    /** Page directory address bits 39:12. */
    public static final Field PDB_ADDR = PDB.field(31, 4, "addr", "Page directory address >> 12");

    /** High bits of the page directory base. */
    public static final Register UPPER_PDB = Register.bar0("NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB",
            0x00b8_30a4, "Page directory address bits 59:40", SRC);
    /** Page directory address bits 59:40. */
    public static final Field UPPER_PDB_ADDR = UPPER_PDB.field(19, 0, "addr", "Page directory address >> 40");

    /** The invalidate command; writing TRIGGER starts it, the hardware clears TRIGGER when done. */
    public static final Register INVALIDATE = Register.bar0("NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE", 0x00b8_30b0,
            "TLB invalidate command (TRIGGER reads 1 until done)", SRC);
    /** Every VA (PAGE_ALL in nouveau). */
    public static final Field INVALIDATE_ALL_VA = INVALIDATE.field(0, 0, "all_va", "Invalidate every VA");
    /** Every page directory, not only PDB's. */
    public static final Field INVALIDATE_ALL_PDB = INVALIDATE.field(1, 1, "all_pdb", "Invalidate every PDB");
    /** Only the hub TLB (what BAR1/BAR2 translate through; nouveau's HUB_ONLY). */
    public static final Field INVALIDATE_HUBTLB_ONLY = INVALIDATE.field(2, 2, "hubtlb_only",
            "Invalidate the hub TLB only");
    /** Which cached levels to drop (0 ALL, 1 PTE_ONLY, 2..7 UP_TO_PDE0..PDE5). */
    public static final Field INVALIDATE_CACHE_LEVEL = INVALIDATE.field(26, 24, "cache_level",
            "0 ALL, 1 PTE_ONLY, n UP_TO_PDE(n-2)");
    /** Starts the invalidate; reads 1 while in progress. */
    public static final Field INVALIDATE_TRIGGER = INVALIDATE.field(31, 31, "trigger", "Start; 1 while pending");

    private MmuInvalidate() {
    }
}
