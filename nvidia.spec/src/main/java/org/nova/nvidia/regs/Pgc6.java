package org.nova.nvidia.regs;

/**
 * PGC6: always-on scratch registers that survive the GC6 low-power state, used by the GPU's
 * own firmware (GFW) to report boot progress and the framebuffer size.
 * Source: nova-core regs.rs and gfw.rs.
 */
public final class Pgc6 {
    private static final String SRC = "nova-core regs.rs";

    /** Boot Sequence Interface scratch telling whether GSP reload/resume has completed. */
    public static final Register BSI_SECURE_SCRATCH_14 = Register.bar0(
            "NV_PGC6_BSI_SECURE_SCRATCH_14", 0x0011_80f8,
            "BSI scratch: GSP reload/resume state", SRC);
    /** Boot stage 3 hand-off done. */
    public static final Field BSI_BOOT_STAGE_3_HANDOFF = BSI_SECURE_SCRATCH_14.field(26, 26,
            "boot_stage_3_handoff", "Set once boot stage 3 handed off");

    /** Privilege level mask guarding AON_SECURE_SCRATCH_GROUP_05 (and so GFW_BOOT). */
    public static final Register AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK = Register.bar0(
            "NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK", 0x0011_8128,
            "Whether the host may read AON_SECURE_SCRATCH_GROUP_05 (GFW_BOOT)", SRC);
    /** Set after FWSEC lowers its protection level: GFW_BOOT is readable. */
    public static final Field PRIV_LEVEL_MASK_READ_PROTECTION_LEVEL0 =
            AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK.field(0, 0, "read_protection_level0",
                    "Set after FWSEC lowers its protection level");

    /** Scratch group 05 (OpenRM leaves its size open; only element 0 is used). */
    public static final Register AON_SECURE_SCRATCH_GROUP_05 = Register.bar0Array(
            "NV_PGC6_AON_SECURE_SCRATCH_GROUP_05", 0x0011_8234, 1, 4,
            "AON secure scratch group 05", SRC);

    /** Scratch group 05 register 0, the GFW boot progress indicator. */
    public static final Register GFW_BOOT = Register.bar0(
            "NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_0_GFW_BOOT",
            AON_SECURE_SCRATCH_GROUP_05.address(0), "GFW boot progress indicator", SRC);
    /** GFW boot progress; {@link #GFW_BOOT_PROGRESS_COMPLETED} when done. */
    public static final Field GFW_BOOT_PROGRESS = GFW_BOOT.field(7, 0, "progress",
            "Progress of GFW boot (0xff means completed)");
    /** GFW_BOOT progress value meaning the boot completed. */
    public static final int GFW_BOOT_PROGRESS_COMPLETED = 0xff;
    /** How long nova-core waits for GFW boot, in milliseconds (gfw.rs). */
    public static final int GFW_BOOT_TIMEOUT_MS = 4000;

    /** Scratch group 42 register. */
    public static final Register AON_SECURE_SCRATCH_GROUP_42 = Register.bar0(
            "NV_PGC6_AON_SECURE_SCRATCH_GROUP_42", 0x0011_83a4,
            "AON secure scratch group 42", SRC);

    /** Scratch group 42 used as the usable framebuffer size (GA102 and later). */
    public static final Register USABLE_FB_SIZE_IN_MB = Register.bar0("NV_USABLE_FB_SIZE_IN_MB",
            AON_SECURE_SCRATCH_GROUP_42.address(), "Usable framebuffer size in MiB (GA102+)",
            SRC);
    /** Usable framebuffer size in MiB. */
    public static final Field USABLE_FB_SIZE_VALUE = USABLE_FB_SIZE_IN_MB.field(31, 0, "value",
            "Usable framebuffer size, in megabytes");

    private Pgc6() {
    }

    /** @return true if a GFW_BOOT value says the boot completed */
    public static boolean gfwBootCompleted(int raw) {
        return GFW_BOOT_PROGRESS.get(raw) == GFW_BOOT_PROGRESS_COMPLETED;
    }

    /** @return the usable framebuffer size in bytes from a USABLE_FB_SIZE_IN_MB value */
    public static long usableFbSize(int raw) {
        return Integer.toUnsignedLong(raw) << 20;
    }
}
