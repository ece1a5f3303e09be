package org.nova.nvidia.regs;

/**
 * PFB: the framebuffer unit — the sysmem flush page, the local memory range and the WPR2
 * bounds FWSEC-FRTS sets. Source: nova-core regs.rs and fb/hal/{tu102,ga100}.rs.
 */
public final class Pfb {
    private static final String SRC = "nova-core regs.rs";

    /** Low bits of the system memory page the GPU flushes to on sysmembar. */
    public static final Register NISO_FLUSH_SYSMEM_ADDR = Register.bar0(
            "NV_PFB_NISO_FLUSH_SYSMEM_ADDR", 0x0010_0c10,
            "Low bits of the sysmem flush page address (sysmembar)", SRC);
    /** Address bits 39:8 of the flush page. */
    public static final Field NISO_FLUSH_SYSMEM_ADDR_ADR_39_08 = NISO_FLUSH_SYSMEM_ADDR.field(
            31, 0, "adr_39_08", "Bits 39:8 of the flush page address");
    /** Shift of the address written into NISO_FLUSH_SYSMEM_ADDR (fb/hal/tu102.rs). */
    public static final int FLUSH_SYSMEM_ADDR_SHIFT = 8;

    /** High bits of the sysmem flush page address (GA100 and later). */
    public static final Register NISO_FLUSH_SYSMEM_ADDR_HI = Register.bar0(
            "NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI", 0x0010_0c40,
            "High bits of the sysmem flush page address (GA100+)", SRC);
    /** Address bits 63:40 of the flush page. */
    public static final Field NISO_FLUSH_SYSMEM_ADDR_HI_ADR_63_40 = NISO_FLUSH_SYSMEM_ADDR_HI
            .field(23, 0, "adr_63_40", "Bits 63:40 of the flush page address");
    /** Shift of the address written into NISO_FLUSH_SYSMEM_ADDR_HI (fb/hal/ga100.rs). */
    public static final int FLUSH_SYSMEM_ADDR_SHIFT_HI = 40;

    /**
     * Source of the Hopper and Blackwell flush registers: they take the raw address split in
     * halves (bits 7:0 of LO ignored), HI written first because the LO write triggers the flush.
     */
    private static final String SRC_FLUSH_FSP = "nova-core fb/regs.rs, fb/hal/{gh100,gb100,gb202}.rs";
    /** Address bits the Hopper and Blackwell flush registers take (fb/hal/gh100.rs: Bounded&lt;u64, 52&gt;). */
    public static final int FLUSH_SYSMEM_ADDR_BITS_GH100 = 52;

    /** Hopper: low 32 bits of the sysmem flush page address. */
    public static final Register FBHUB_PCIE_FLUSH_SYSMEM_ADDR_LO = Register.bar0(
            "NV_PFB_FBHUB_PCIE_FLUSH_SYSMEM_ADDR_LO", 0x0010_0a34,
            "Hopper: low 32 bits of the sysmem flush page address (bits 7:0 ignored)", SRC_FLUSH_FSP);
    /** Hopper: address bits 51:32 of the sysmem flush page. */
    public static final Register FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI = Register.bar0(
            "NV_PFB_FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI", 0x0010_0a38,
            "Hopper: bits 51:32 of the sysmem flush page address", SRC_FLUSH_FSP);
    /** The 20 address bits (51:32) of every Hopper and Blackwell flush HI register. */
    public static final Field FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_ADR = FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI.field(
            19, 0, "adr", "Bits 51:32 of the flush page address");

    /** GB10x: the fixed HSHUB0 base the boot path uses (fb/hal/gb100.rs, Open RM NV_HSHUB0_PRIV_BASE). */
    public static final int HSHUB0_BASE_GB100 = 0x0087_0000;
    /** GB10x: HSHUB0's primary flush pair, low half. */
    public static final Register HSHUB_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100 = Register.bar0(
            "NV_PFB_HSHUB_PCIE_FLUSH_SYSMEM_ADDR_LO", HSHUB0_BASE_GB100 + 0x0e50,
            "GB10x: low 32 bits of the sysmem flush page address, primary pair", SRC_FLUSH_FSP);
    /** GB10x: HSHUB0's primary flush pair, high half (bits 19:0). */
    public static final Register HSHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100 = Register.bar0(
            "NV_PFB_HSHUB_PCIE_FLUSH_SYSMEM_ADDR_HI", HSHUB0_BASE_GB100 + 0x0e54,
            "GB10x: bits 51:32 of the sysmem flush page address, primary pair", SRC_FLUSH_FSP);
    /** GB10x: HSHUB0's egress flush pair, low half; must match the primary pair. */
    public static final Register HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100 = Register.bar0(
            "NV_PFB_HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_LO", HSHUB0_BASE_GB100 + 0x06c0,
            "GB10x: low 32 bits of the sysmem flush page address, egress pair", SRC_FLUSH_FSP);
    /** GB10x: HSHUB0's egress flush pair, high half; must match the primary pair. */
    public static final Register HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100 = Register.bar0(
            "NV_PFB_HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_HI", HSHUB0_BASE_GB100 + 0x06c4,
            "GB10x: bits 51:32 of the sysmem flush page address, egress pair", SRC_FLUSH_FSP);

    /** GB20x: FBHUB0's flush register, low half. */
    public static final Register FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_LO_GB202 = Register.bar0(
            "NV_PFB_FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_LO", 0x008a_1d58,
            "GB20x: low 32 bits of the sysmem flush page address (bits 7:0 ignored)", SRC_FLUSH_FSP);
    /** GB20x: FBHUB0's flush register, high half (bits 19:0). */
    public static final Register FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_HI_GB202 = Register.bar0(
            "NV_PFB_FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_HI", 0x008a_1d5c,
            "GB20x: bits 51:32 of the sysmem flush page address", SRC_FLUSH_FSP);

    /** Size of local memory as magnitude and scale, with the ECC mode. */
    public static final Register PRI_MMU_LOCAL_MEMORY_RANGE = Register.bar0(
            "NV_PFB_PRI_MMU_LOCAL_MEMORY_RANGE", 0x0010_0ce0,
            "Local memory size (lower_mag << lower_scale MiB) and ECC mode", SRC);
    /** Set when ECC is on: one unit in 16 is reserved. */
    public static final Field LOCAL_MEMORY_RANGE_ECC_MODE_ENABLED = PRI_MMU_LOCAL_MEMORY_RANGE
            .field(30, 30, "ecc_mode_enabled", "ECC enabled (1/16 of memory reserved)");
    /** Magnitude of the size in MiB. */
    public static final Field LOCAL_MEMORY_RANGE_LOWER_MAG = PRI_MMU_LOCAL_MEMORY_RANGE.field(
            9, 4, "lower_mag", "Size magnitude");
    /** Scale (left shift) of the magnitude. */
    public static final Field LOCAL_MEMORY_RANGE_LOWER_SCALE = PRI_MMU_LOCAL_MEMORY_RANGE.field(
            3, 0, "lower_scale", "Size scale (shift)");

    /** Lower (inclusive) bound of the WPR2 region. */
    public static final Register PRI_MMU_WPR2_ADDR_LO = Register.bar0(
            "NV_PFB_PRI_MMU_WPR2_ADDR_LO", 0x001f_a824,
            "Lower (inclusive) bound of the WPR2 region, 4 KiB units", SRC);
    /** Bits 12..40 of the lower bound. */
    public static final Field WPR2_ADDR_LO_VAL = PRI_MMU_WPR2_ADDR_LO.field(31, 4, "lo_val",
            "Bits 12..40 of the lower (inclusive) bound of the WPR2 region");

    /** Higher (exclusive) bound of the WPR2 region; zero means no WPR2. */
    public static final Register PRI_MMU_WPR2_ADDR_HI = Register.bar0(
            "NV_PFB_PRI_MMU_WPR2_ADDR_HI", 0x001f_a828,
            "Higher (exclusive) bound of the WPR2 region, 4 KiB units; 0 = not set", SRC);
    /** Bits 12..40 of the higher bound. */
    public static final Field WPR2_ADDR_HI_VAL = PRI_MMU_WPR2_ADDR_HI.field(31, 4, "hi_val",
            "Bits 12..40 of the higher (exclusive) bound of the WPR2 region");

    /** Shift from the WPR2 lo/hi fields to byte addresses. */
    public static final int WPR2_ADDR_SHIFT = 12;

    private Pfb() {
    }

    /**
     * @param raw a NV_PFB_PRI_MMU_LOCAL_MEMORY_RANGE value
     * @return the usable framebuffer size in bytes (ECC reserve removed), as regs.rs computes it
     */
    public static long usableFbSize(int raw) {
        long size = ((long) LOCAL_MEMORY_RANGE_LOWER_MAG.get(raw)
                << LOCAL_MEMORY_RANGE_LOWER_SCALE.get(raw)) * (1L << 20);
        return LOCAL_MEMORY_RANGE_ECC_MODE_ENABLED.isSet(raw) ? size / 16 * 15 : size;
    }

    /** @return the WPR2 lower bound in bytes for a NV_PFB_PRI_MMU_WPR2_ADDR_LO value */
    public static long wpr2LowerBound(int raw) {
        return Integer.toUnsignedLong(WPR2_ADDR_LO_VAL.get(raw)) << WPR2_ADDR_SHIFT;
    }

    /** @return the WPR2 higher bound in bytes for a NV_PFB_PRI_MMU_WPR2_ADDR_HI value (0 = unset) */
    public static long wpr2HigherBound(int raw) {
        return Integer.toUnsignedLong(WPR2_ADDR_HI_VAL.get(raw)) << WPR2_ADDR_SHIFT;
    }

    /**
     * @param address a 4 KiB-aligned byte address below 2^40
     * @return the WPR2_ADDR_LO/HI register value encoding it
     * @throws IllegalArgumentException if it is not aligned or too large
     */
    public static int wpr2Encode(long address) {
        if ((address & ((1L << WPR2_ADDR_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException(String.format(
                    "WPR2 bound 0x%x is not 4 KiB aligned", address));
        }
        return WPR2_ADDR_LO_VAL.of(address >>> WPR2_ADDR_SHIFT);
    }
}
