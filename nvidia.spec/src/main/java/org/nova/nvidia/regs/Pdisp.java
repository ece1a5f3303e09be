package org.nova.nvidia.regs;

/**
 * PDISP: the display engine's VGA workspace, which the framebuffer layout keeps clear.
 * Source: nova-core regs.rs ({@code NV_PDISP_VGA_WORKSPACE_BASE}) and fb.rs.
 */
public final class Pdisp {
    /** VGA workspace base address. */
    public static final Register VGA_WORKSPACE_BASE = Register.bar0(
            "NV_PDISP_VGA_WORKSPACE_BASE", 0x0062_5f04,
            "VGA workspace base address (64 KiB units) and validity", "nova-core regs.rs");
    /** Base address divided by 0x10000. */
    public static final Field VGA_WORKSPACE_ADDR = VGA_WORKSPACE_BASE.field(31, 8, "addr",
            "VGA workspace base address divided by 0x10000");
    /** Set if {@link #VGA_WORKSPACE_ADDR} is valid. */
    public static final Field VGA_WORKSPACE_STATUS_VALID = VGA_WORKSPACE_BASE.field(3, 3,
            "status_valid", "Set if the addr field is valid");
    /** Shift from the addr field to a byte address. */
    public static final int VGA_WORKSPACE_ADDR_SHIFT = 16;

    private Pdisp() {
    }

    /** @return the VGA workspace byte address, or -1 if the register says none is valid */
    public static long vgaWorkspaceAddress(int raw) {
        return VGA_WORKSPACE_STATUS_VALID.isSet(raw)
                ? Integer.toUnsignedLong(VGA_WORKSPACE_ADDR.get(raw)) << VGA_WORKSPACE_ADDR_SHIFT
                : -1;
    }
}
