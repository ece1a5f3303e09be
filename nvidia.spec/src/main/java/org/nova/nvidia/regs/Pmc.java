package org.nova.nvidia.regs;

/**
 * PMC: the master control unit, whose boot registers identify the GPU.
 * Source: nova-core regs.rs ({@code NV_PMC_BOOT_0}, {@code NV_PMC_BOOT_42}); OpenRM dev_boot.h.
 */
public final class Pmc {
    private static final String SRC = "nova-core regs.rs; open-gpu-doc dev_boot";

    /** Basic revision information about the GPU. */
    public static final Register BOOT_0 = Register.bar0("NV_PMC_BOOT_0", 0x0000_0000,
            "Basic revision information about the GPU", SRC);
    /** Lower five bits of the architecture. */
    public static final Field BOOT_0_ARCHITECTURE_0 = BOOT_0.field(28, 24, "architecture_0",
            "Lower bits of the architecture");
    /** Implementation version of the architecture. */
    public static final Field BOOT_0_IMPLEMENTATION = BOOT_0.field(23, 20, "implementation",
            "Implementation version of the architecture");
    /** Most significant bit of the architecture (zero on pre-Fermi chips). */
    public static final Field BOOT_0_ARCHITECTURE_1 = BOOT_0.field(8, 8, "architecture_1",
            "MSB of the architecture");
    /** Major revision of the chip. */
    public static final Field BOOT_0_MAJOR_REVISION = BOOT_0.field(7, 4, "major_revision",
            "Major revision of the chip");
    /** Minor revision of the chip. */
    public static final Field BOOT_0_MINOR_REVISION = BOOT_0.field(3, 0, "minor_revision",
            "Minor revision of the chip");
    /**
     * BOOT_0 architecture of GF100 (Fermi): with architecture_1 zero, anything lower is
     * pre-Fermi. Source: regs.rs {@code NV_PMC_BOOT_0_ARCHITECTURE_GF100}.
     */
    public static final int BOOT_0_ARCHITECTURE_GF100 = 0xc;

    /** Extended architecture information (Fermi and later; Nova identifies chips from it). */
    public static final Register BOOT_42 = Register.bar0("NV_PMC_BOOT_42", 0x0000_0a00,
            "Extended architecture information", SRC);
    /** Architecture code (see {@code org.nova.nvidia.Architecture}). */
    public static final Field BOOT_42_ARCHITECTURE = BOOT_42.field(29, 24, "architecture",
            "Architecture value");
    /** Implementation version of the architecture. */
    public static final Field BOOT_42_IMPLEMENTATION = BOOT_42.field(23, 20, "implementation",
            "Implementation version of the architecture");
    /** Major revision of the chip. */
    public static final Field BOOT_42_MAJOR_REVISION = BOOT_42.field(19, 16, "major_revision",
            "Major revision of the chip");
    /** Minor revision of the chip. */
    public static final Field BOOT_42_MINOR_REVISION = BOOT_42.field(15, 12, "minor_revision",
            "Minor revision of the chip");

    private Pmc() {
    }
}
