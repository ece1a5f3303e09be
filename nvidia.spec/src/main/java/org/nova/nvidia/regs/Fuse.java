package org.nova.nvidia.regs;

/**
 * FUSE: the fuse versions that select which signature of a heavy-secure ucode to patch, and
 * the display-disabled fuse. Source: nova-core regs.rs and falcon/hal/ga102.rs.
 */
public final class Fuse {
    private static final String SRC = "nova-core regs.rs";

    /** Number of elements of each OPT_FPF ucode version array. */
    public static final int OPT_FPF_SIZE = 16;

    /** NVDEC ucode fuse versions, one per ucode id (1-based ucode id → index id-1). */
    public static final Register OPT_FPF_NVDEC_UCODE1_VERSION = Register.bar0Array(
            "NV_FUSE_OPT_FPF_NVDEC_UCODE1_VERSION", 0x0082_4100, OPT_FPF_SIZE, 4,
            "NVDEC ucode fuse versions", SRC);
    /** Fuse version data of an NVDEC element. */
    public static final Field OPT_FPF_NVDEC_DATA = OPT_FPF_NVDEC_UCODE1_VERSION.field(15, 0,
            "data", "Fuse version bitmap");

    /** SEC2 ucode fuse versions. */
    public static final Register OPT_FPF_SEC2_UCODE1_VERSION = Register.bar0Array(
            "NV_FUSE_OPT_FPF_SEC2_UCODE1_VERSION", 0x0082_4140, OPT_FPF_SIZE, 4,
            "SEC2 ucode fuse versions", SRC);
    /** Fuse version data of a SEC2 element. */
    public static final Field OPT_FPF_SEC2_DATA = OPT_FPF_SEC2_UCODE1_VERSION.field(15, 0,
            "data", "Fuse version bitmap");

    /** GSP ucode fuse versions. */
    public static final Register OPT_FPF_GSP_UCODE1_VERSION = Register.bar0Array(
            "NV_FUSE_OPT_FPF_GSP_UCODE1_VERSION", 0x0082_41c0, OPT_FPF_SIZE, 4,
            "GSP ucode fuse versions", SRC);
    /** Fuse version data of a GSP element. */
    public static final Field OPT_FPF_GSP_DATA = OPT_FPF_GSP_UCODE1_VERSION.field(15, 0,
            "data", "Fuse version bitmap");

    /** Display-disabled fuse, GM107 to Turing. */
    public static final Register STATUS_OPT_DISPLAY_GM107 = Register.bar0(
            "NV_FUSE_STATUS_OPT_DISPLAY", 0x0002_1c04, "Display fuse (GM107..TU1xx)",
            "nova-core regs.rs mod gm107");
    /** Display disabled (GM107 layout). */
    public static final Field DISPLAY_DISABLED_GM107 = STATUS_OPT_DISPLAY_GM107.field(0, 0,
            "display_disabled", "Set if the display engine is fused off");

    /** Display-disabled fuse, GA100 and later. */
    public static final Register STATUS_OPT_DISPLAY_GA100 = Register.bar0(
            "NV_FUSE_STATUS_OPT_DISPLAY", 0x0082_0c04, "Display fuse (GA100+)",
            "nova-core regs.rs mod ga100");
    /** Display disabled (GA100 layout). */
    public static final Field DISPLAY_DISABLED_GA100 = STATUS_OPT_DISPLAY_GA100.field(0, 0,
            "display_disabled", "Set if the display engine is fused off");

    private Fuse() {
    }

    /**
     * Turns a fuse bitmap into a version: the index of its highest set bit plus one, 0 for no
     * bit (falcon/hal/ga102.rs {@code signature_reg_fuse_version_ga102}).
     */
    public static int versionFromBitmap(int data) {
        int d = data & 0xffff;
        return d == 0 ? 0 : 32 - Integer.numberOfLeadingZeros(d);
    }
}
