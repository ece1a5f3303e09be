package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code GspFwWprMeta} (OpenRM gsp_fw_wpr_meta.h r535; nova-core gsp/fw.rs GspFwWprMeta::new):
 * where the booter finds the GSP image (radix-3), the bootloader, the signatures and the
 * framebuffer layout. 256 bytes of little-endian u64 fields, written into coherent DMA memory.
 * (Firmware ABI: belongs in nvidia.spec once it holds GSP structures.)
 */
final class GspFwWprMeta {
    static final int SIZE = 256;
    /** GSP_FW_WPR_META_MAGIC. */
    static final long MAGIC = 0xdc3a_ae21_371a_60b3L;
    /** GSP_FW_WPR_META_REVISION. */
    static final long REVISION = 1;
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GspFwWprMeta() {
    }

    /** Field offsets, in declaration order. */
    static final int MAGIC_AT = 0;
    static final int REVISION_AT = 8;
    static final int SYSMEM_ADDR_OF_RADIX3_ELF = 16;
    static final int SIZE_OF_RADIX3_ELF = 24;
    static final int SYSMEM_ADDR_OF_BOOTLOADER = 32;
    static final int SIZE_OF_BOOTLOADER = 40;
    static final int BOOTLOADER_CODE_OFFSET = 48;
    static final int BOOTLOADER_DATA_OFFSET = 56;
    static final int BOOTLOADER_MANIFEST_OFFSET = 64;
    static final int SYSMEM_ADDR_OF_SIGNATURE = 72;
    static final int SIZE_OF_SIGNATURE = 80;
    static final int GSP_FW_RSVD_START = 88;
    static final int NON_WPR_HEAP_OFFSET = 96;
    static final int NON_WPR_HEAP_SIZE = 104;
    static final int GSP_FW_WPR_START = 112;
    static final int GSP_FW_HEAP_OFFSET = 120;
    static final int GSP_FW_HEAP_SIZE = 128;
    static final int GSP_FW_OFFSET = 136;
    static final int BOOT_BIN_OFFSET = 144;
    static final int FRTS_OFFSET = 152;
    static final int FRTS_SIZE = 160;
    static final int GSP_FW_WPR_END = 168;
    static final int FB_SIZE = 176;
    static final int VGA_WORKSPACE_OFFSET = 184;
    static final int VGA_WORKSPACE_SIZE = 192;

    /**
     * Fills {@code out} (zeroed, {@link #SIZE} bytes) as GspFwWprMeta::new does.
     */
    static void write(MemorySegment out, FbLayout fb, long radix3, long imageSize, long bootloader,
            long bootloaderSize, long codeOffset, long dataOffset, long manifestOffset, long signatures,
            long signaturesSize) {
        put(out, MAGIC_AT, MAGIC);
        put(out, REVISION_AT, REVISION);
        put(out, SYSMEM_ADDR_OF_RADIX3_ELF, radix3);
        put(out, SIZE_OF_RADIX3_ELF, imageSize);
        put(out, SYSMEM_ADDR_OF_BOOTLOADER, bootloader);
        put(out, SIZE_OF_BOOTLOADER, bootloaderSize);
        put(out, BOOTLOADER_CODE_OFFSET, codeOffset);
        put(out, BOOTLOADER_DATA_OFFSET, dataOffset);
        put(out, BOOTLOADER_MANIFEST_OFFSET, manifestOffset);
        put(out, SYSMEM_ADDR_OF_SIGNATURE, signatures);
        put(out, SIZE_OF_SIGNATURE, signaturesSize);
        put(out, GSP_FW_RSVD_START, fb.heapStart());
        put(out, NON_WPR_HEAP_OFFSET, fb.heapStart());
        put(out, NON_WPR_HEAP_SIZE, fb.wpr2Start() - fb.heapStart());
        put(out, GSP_FW_WPR_START, fb.wpr2Start());
        put(out, GSP_FW_HEAP_OFFSET, fb.wpr2HeapStart());
        put(out, GSP_FW_HEAP_SIZE, fb.wpr2HeapEnd() - fb.wpr2HeapStart());
        put(out, GSP_FW_OFFSET, fb.elfStart());
        put(out, BOOT_BIN_OFFSET, fb.bootStart());
        put(out, FRTS_OFFSET, fb.frtsStart());
        put(out, FRTS_SIZE, fb.frtsEnd() - fb.frtsStart());
        put(out, GSP_FW_WPR_END, fb.frtsEnd());
        put(out, FB_SIZE, fb.fbSize());
        put(out, VGA_WORKSPACE_OFFSET, fb.vgaStart());
        put(out, VGA_WORKSPACE_SIZE, fb.fbSize() - fb.vgaStart());
    }

    private static void put(MemorySegment out, long at, long v) {
        out.set(LE64, at, v);
    }
}
