package org.nova.gpu.internal;

import static org.nova.nvidia.gsp.GspFwWprMeta.*;

import java.lang.foreign.MemorySegment;

/**
 * Writes {@code GspFwWprMeta} (layout: {@link org.nova.nvidia.gsp.GspFwWprMeta}, shared with the
 * simulated booter) as nova-core's gsp/fw.rs GspFwWprMeta::new does (torvalds/linux, the fw.rs
 * importing PMU_RESERVED_SIZE): every range of the {@link FbLayout}, gspFwWprEnd from the VGA
 * workspace, the VF partition count and the PMU reservation.
 */
final class WprMetaWriter {
    private WprMetaWriter() {
    }

    /**
     * Fills {@code out} (zeroed, GspFwWprMeta.SIZE bytes) as GspFwWprMeta::new does.
     */
    static void write(MemorySegment out, FbLayout fb, long radix3, long imageSize, long bootloader,
            long bootloaderSize, long codeOffset, long dataOffset, long manifestOffset, long signatures,
            long signaturesSize) {
        org.nova.nvidia.gsp.GspFwWprMeta.putHeader(out);
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
        put(out, GSP_FW_WPR_END, fb.wprEnd());
        put(out, FB_SIZE, fb.fbSize());
        put(out, VGA_WORKSPACE_OFFSET, fb.vgaStart());
        put(out, VGA_WORKSPACE_SIZE, fb.fbSize() - fb.vgaStart());
        org.nova.nvidia.gsp.GspFwWprMeta.putU8(out, GSP_FW_HEAP_VF_PARTITION_COUNT, fb.vfPartitionCount());
        org.nova.nvidia.gsp.GspFwWprMeta.putU32(out, PMU_RESERVED_SIZE, (int) fb.pmuReservedSize());
    }

    private static void put(MemorySegment out, int at, long v) {
        org.nova.nvidia.gsp.GspFwWprMeta.put(out, at, v);
    }
}
