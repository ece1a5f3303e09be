package org.nova.nvidia.fw;

/**
 * Signature metadata of a heavy-secure firmware: three u32 at {@code meta_data_offset}.
 * Source: nova-core firmware/booter.rs ({@code HsSignatureParams}).
 *
 * @param fuseVersion fuse version the newest signature is for
 * @param engineIdMask engines this firmware may run on (must fit 16 bits)
 * @param ucodeId ucode id selecting the fuse register (must fit 8 bits)
 */
public record HsSignatureParams(long fuseVersion, long engineIdMask, long ucodeId) {
    /** Size in bytes. */
    public static final int SIZE = 12;
    /**
     * {@code engine_id_mask} bit of SEC2, the engine the booters run on (nova-core
     * falcon/hal/ga102.rs signature_reg_fuse_version_ga102, which picks the fuse array by it).
     */
    public static final int ENGINE_ID_SEC2 = 0x0001;
    /** {@code engine_id_mask} bit of NVDEC (falcon/hal/ga102.rs). */
    public static final int ENGINE_ID_NVDEC = 0x0004;
    /** {@code engine_id_mask} bit of the GSP falcon, the engine FWSEC runs on (ga102.rs). */
    public static final int ENGINE_ID_GSP = 0x0400;
    /** The engines with ucode version fuses; a mask naming none of them selects no fuse. */
    public static final int ENGINE_IDS_WITH_FUSES = ENGINE_ID_SEC2 | ENGINE_ID_NVDEC
            | ENGINE_ID_GSP;
    /** The widest {@code engine_id_mask} the boot ROM takes (a u16, booter.rs). */
    public static final long ENGINE_ID_MASK_MAX = 0xffff;
    /** The widest {@code ucode_id} the boot ROM takes (a u8, booter.rs). */
    public static final long UCODE_ID_MAX = 0xff;
}
