package org.nova.nvidia.regs;

/**
 * PFSP: the FSP (Foundation Security Processor) of Hopper and Blackwell, through which the driver
 * boots the GSP: its falcon's EMEM port (where a message to or from the FSP is written and read),
 * the command and message queue pointers of its EMEM channels, and the thermal scratch register in
 * which the FSP reports that its secure boot completed.
 *
 * <p>Sources (torvalds/linux drivers/gpu/nova-core, newest stored versions): falcon/fsp.rs@637315cb
 * (the FSP falcon's bases 0x8f2000/0x8f3000, EMEM written and read at offset 0 through EMEMC/EMEMD),
 * falcon/regs.rs (NV_PFALCON_FALCON_EMEMC/EMEMD at PFalconBase + 0xac0/0xac4 and their fields;
 * NV_PFSP_QUEUE_HEAD/TAIL, NV_PFSP_MSGQ_HEAD/TAIL, eight channels 8 bytes apart), regs.rs (the
 * gh100 and gb202 NV_THERM_I2CS_SCRATCH and NV_THERM_I2CS_SCRATCH_FSP_BOOT_COMPLETE_STATUS_SUCCESS),
 * fsp/hal/{gh100,gb100,gb202}.rs@b2128290 (GB10x reads Hopper's register, GB20x its own).
 */
public final class Pfsp {
    private static final String SRC = "nova-core falcon/fsp.rs, falcon/regs.rs";
    private static final String SRC_THERM = "nova-core regs.rs (gh100, gb202), fsp/hal/*.rs";

    /** BAR0 base of the FSP falcon's PFALCON window (falcon/fsp.rs RegisterBase&lt;PFalconBase&gt;). */
    public static final int FALCON_BASE = 0x008f_2000;
    /** BAR0 base of the FSP falcon's PFALCON2 window (falcon/fsp.rs RegisterBase&lt;PFalcon2Base&gt;). */
    public static final int FALCON2_BASE = 0x008f_3000;
    /** Offset of NV_PFALCON_FALCON_EMEMC in a falcon's PFALCON window (falcon/regs.rs). */
    static final int EMEMC_OFFSET = 0xac0;
    /** Offset of NV_PFALCON_FALCON_EMEMD in a falcon's PFALCON window (falcon/regs.rs). */
    static final int EMEMD_OFFSET = 0xac4;
    /** The EMEM channel the driver uses (falcon/fsp.rs: every queue register at index 0). */
    public static final int CHANNEL_RM = 0;
    /** Number of EMEM channels the queue registers cover (falcon/regs.rs: arrays of 8). */
    public static final int CHANNELS = 8;
    /** Distance between two channels' queue registers: head and tail interleave (falcon/regs.rs). */
    public static final int CHANNEL_STRIDE = 8;

    /** The FSP falcon's EMEM access control: where the next EMEMD access goes, and auto-increment. */
    public static final Register EMEMC = Register.bar0("NV_PFALCON_FALCON_EMEMC(FSP)", FALCON_BASE + EMEMC_OFFSET,
            "FSP EMEM port control (offset, block, auto-increment)", SRC);
    /** Byte offset (4-byte aligned: bits 7:2) within the EMEM block. */
    public static final Field EMEMC_OFFS = EMEMC.field(7, 2, "offs", "EMEM word offset within the block");
    /** EMEM block (256 bytes each) to access. */
    public static final Field EMEMC_BLK = EMEMC.field(15, 8, "blk", "EMEM block");
    /** Advance the offset by 4 after each EMEMD write. */
    public static final Field EMEMC_AINCW = EMEMC.field(24, 24, "aincw", "Auto-increment on write");
    /** Advance the offset by 4 after each EMEMD read. */
    public static final Field EMEMC_AINCR = EMEMC.field(25, 25, "aincr", "Auto-increment on read");
    /** Bytes of one EMEM block (EMEMC's offs field spans 7:0 of the byte address). */
    public static final int EMEM_BLOCK_BYTES = 256;

    /** The FSP falcon's EMEM data port: reads and writes the word EMEMC points at. */
    public static final Register EMEMD = Register.bar0("NV_PFALCON_FALCON_EMEMD(FSP)", FALCON_BASE + EMEMD_OFFSET,
            "FSP EMEM data port", SRC);
    /** The EMEM word. */
    public static final Field EMEMD_DATA = EMEMD.field(31, 0, "data", "EMEM word");

    /** Command queue head (driver to FSP): written 0 last, which hands the message to the FSP. */
    public static final Register QUEUE_HEAD = Register.bar0Array("NV_PFSP_QUEUE_HEAD", 0x008f_2c00, CHANNELS,
            CHANNEL_STRIDE, "FSP command queue head (EMEM byte offset of the message)", SRC);
    /** Command queue tail: the EMEM offset of the message's last 32-bit word. */
    public static final Register QUEUE_TAIL = Register.bar0Array("NV_PFSP_QUEUE_TAIL", 0x008f_2c04, CHANNELS,
            CHANNEL_STRIDE, "FSP command queue tail (EMEM offset of the last word written)", SRC);
    /** Message queue head (FSP to driver): reset to 0 by the driver after it read the reply. */
    public static final Register MSGQ_HEAD = Register.bar0Array("NV_PFSP_MSGQ_HEAD", 0x008f_2c80, CHANNELS,
            CHANNEL_STRIDE, "FSP message queue head", SRC);
    /** Message queue tail: the EMEM offset of the reply's last word; head == tail means no reply. */
    public static final Register MSGQ_TAIL = Register.bar0Array("NV_PFSP_MSGQ_TAIL", 0x008f_2c84, CHANNELS,
            CHANNEL_STRIDE, "FSP message queue tail (EMEM offset of the last word of the reply)", SRC);

    /** Hopper and GB10x: the thermal scratch register the FSP reports its secure boot in. */
    public static final Register THERM_I2CS_SCRATCH_GH100 = Register.bar0("NV_THERM_I2CS_SCRATCH(gh100)",
            0x0002_00bc, "FSP secure boot status (NV_THERM_I2CS_SCRATCH_FSP_BOOT_COMPLETE), Hopper and GB10x",
            SRC_THERM);
    /** GB20x: the thermal scratch register the FSP reports its secure boot in. */
    public static final Register THERM_I2CS_SCRATCH_GB202 = Register.bar0("NV_THERM_I2CS_SCRATCH(gb202)",
            0x00ad_00bc, "FSP secure boot status (NV_THERM_I2CS_SCRATCH_FSP_BOOT_COMPLETE), GB20x", SRC_THERM);
    /** The value of the status once the FSP's secure boot completed. */
    public static final int FSP_BOOT_COMPLETE_STATUS_SUCCESS = 0xff;

    private Pfsp() {
    }

    /** @return the EMEM byte address EMEMC points at (block and offset) */
    public static int ememAddress(int ememc) {
        return EMEMC_BLK.get(ememc) * EMEM_BLOCK_BYTES + (EMEMC_OFFS.get(ememc) << 2);
    }
}
