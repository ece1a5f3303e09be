package org.nova.nvidia.fsp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * GSP_FMC_BOOT_PARAMS of firmware release 570.144, which the GSP-FMC reads from system memory at
 * the address the COT message carries (nova-core gsp/fw.rs GspFmcBootParams::new over
 * gsp/fw/r570_144/bindings.rs): GSP_FMC_INIT_PARAMS (regkeys), GSP_ACR_BOOT_GSP_RM_PARAMS (the
 * WPR metadata's address, coherent system memory, bIsGspRmBoot), GSP_RM_PARAMS (the LibOS
 * arguments' address, non-coherent system memory), GSP_SPDM_PARAMS (zero: no confidential
 * computing). The WPR carve-out fields stay zero: the FSP takes the WPR from elsewhere.
 * C layout, little-endian, {@value #SIZE} bytes.
 */
public final class GspFmcBootParams {
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** initParams.regkeys (u32). */
    public static final int REGKEYS_AT = 0;
    /** bootGspRmParams.target (GSP_DMA_TARGET, u32): where the WPR metadata is. */
    public static final int BOOT_GSP_RM_TARGET_AT = 8;
    /** bootGspRmParams.gspRmDescSize (u32): the WPR metadata's size. */
    public static final int GSP_RM_DESC_SIZE_AT = 12;
    /** bootGspRmParams.gspRmDescOffset (u64): the WPR metadata's address. */
    public static final int GSP_RM_DESC_OFFSET_AT = 16;
    /** bootGspRmParams.wprCarveoutOffset (u64), 0. */
    public static final int WPR_CARVEOUT_OFFSET_AT = 24;
    /** bootGspRmParams.wprCarveoutSize (u32), 0. */
    public static final int WPR_CARVEOUT_SIZE_AT = 32;
    /** bootGspRmParams.bIsGspRmBoot (u8): 1, boot GSP-RM (not GSP-Proxy). */
    public static final int IS_GSP_RM_BOOT_AT = 36;
    /** gspRmParams.target (u32): where the LibOS arguments are. */
    public static final int GSP_RM_TARGET_AT = 40;
    /** gspRmParams.bootArgsOffset (u64): the LibOS arguments' address. */
    public static final int BOOT_ARGS_OFFSET_AT = 48;
    /** gspSpdmParams (24 bytes, zero). */
    public static final int SPDM_AT = 56;
    /** sizeof(GSP_FMC_BOOT_PARAMS) in release 570.144. */
    public static final int SIZE = 80;
    /** GSP_DMA_TARGET_COHERENT_SYSTEM. */
    public static final int DMA_TARGET_COHERENT_SYSTEM = 1;
    /** GSP_DMA_TARGET_NONCOHERENT_SYSTEM. */
    public static final int DMA_TARGET_NONCOHERENT_SYSTEM = 2;

    private GspFmcBootParams() {
    }

    /**
     * Writes the parameters as GspFmcBootParams::new does into {@code dst} (at least {@link #SIZE} bytes).
     *
     * @param wprMeta the GspFwWprMeta's DMA address
     * @param wprMetaSize its size
     * @param libosArgs the LibOS arguments' DMA address
     */
    public static void write(MemorySegment dst, long wprMeta, int wprMetaSize, long libosArgs) {
        dst.asSlice(0, SIZE).fill((byte) 0);
        dst.set(LE32, BOOT_GSP_RM_TARGET_AT, DMA_TARGET_COHERENT_SYSTEM);
        dst.set(LE32, GSP_RM_DESC_SIZE_AT, wprMetaSize);
        dst.set(LE64, GSP_RM_DESC_OFFSET_AT, wprMeta);
        dst.set(ValueLayout.JAVA_BYTE, IS_GSP_RM_BOOT_AT, (byte) 1);
        dst.set(LE32, GSP_RM_TARGET_AT, DMA_TARGET_NONCOHERENT_SYSTEM);
        dst.set(LE64, BOOT_ARGS_OFFSET_AT, libosArgs);
    }

    /** @return the little-endian u32 at {@code at} */
    public static int u32(MemorySegment params, int at) {
        return params.get(LE32, at);
    }

    /** @return the little-endian u64 at {@code at} */
    public static long u64(MemorySegment params, int at) {
        return params.get(LE64, at);
    }

    /** @return bIsGspRmBoot */
    public static boolean isGspRmBoot(MemorySegment params) {
        return params.get(ValueLayout.JAVA_BYTE, IS_GSP_RM_BOOT_AT) == 1;
    }
}
