package org.nova.nvidia.regs;

/**
 * PGSP: the GSP's command queue doorbell. Source: nova-core regs.rs ({@code NV_PGSP_QUEUE_HEAD})
 * and gsp/cmdq.rs (the driver writes 0 to it after advancing the write pointer).
 */
public final class Pgsp {
    /** Command queue head: written by the driver to tell the GSP that a command is queued. */
    public static final Register QUEUE_HEAD = Register.bar0("NV_PGSP_QUEUE_HEAD", 0x0011_0c00,
            "GSP command queue head (doorbell)", "nova-core regs.rs, gsp/cmdq.rs");
    /** Value of the doorbell write. */
    public static final Field QUEUE_HEAD_ADDRESS = QUEUE_HEAD.field(31, 0, "address",
            "Doorbell value");

    private Pgsp() {
    }
}
