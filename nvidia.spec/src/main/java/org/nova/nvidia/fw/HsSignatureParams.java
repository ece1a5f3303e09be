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
}
