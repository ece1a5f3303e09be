package org.nova.hw.sim.gpu;

/**
 * The layout of {@code GspFwWprMeta} (OpenRM gsp_fw_wpr_meta.h, r535; nova-core gsp/fw.rs), as
 * the simulated booter reads it from system memory at the address the driver put in SEC2's
 * mailboxes. Every field is a little-endian u64; only the fields the booter checks are named.
 * (The driver writes the same structure; the layout belongs in nvidia.spec once it holds GSP
 * ABI facts.)
 */
final class WprMeta {
    /** Size of the structure. */
    static final int SIZE = 256;
    /** {@code GSP_FW_WPR_META_MAGIC}. */
    static final long MAGIC = 0xdc3a_ae21_371a_60b3L;
    /** {@code GSP_FW_WPR_META_REVISION}. */
    static final long REVISION = 1;

    static final int MAGIC_AT = 0;
    static final int REVISION_AT = 8;
    static final int SYSMEM_ADDR_OF_RADIX3_ELF = 16;
    static final int SIZE_OF_RADIX3_ELF = 24;
    static final int SYSMEM_ADDR_OF_BOOTLOADER = 32;
    static final int SIZE_OF_BOOTLOADER = 40;
    static final int SYSMEM_ADDR_OF_SIGNATURE = 72;
    static final int SIZE_OF_SIGNATURE = 80;
    static final int GSP_FW_WPR_START = 112;
    static final int FRTS_OFFSET = 152;
    static final int FRTS_SIZE = 160;
    static final int GSP_FW_WPR_END = 168;
    static final int FB_SIZE = 176;

    private WprMeta() {
    }
}
