package org.nova.nvidia.gsp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@code GspFwWprMeta} (OpenRM gsp_fw_wpr_meta.h, r535 and r570 alike; nova-core gsp/fw.rs):
 * where the booter finds the GSP image (radix-3), the bootloader, the signatures and the
 * framebuffer layout. 256 bytes of little-endian u64 fields in coherent DMA memory; the driver
 * writes it, the booter (simulated in hw.sim) reads it.
 */
public final class GspFwWprMeta {
    /** Size of the structure. */
    public static final int SIZE = 256;
    /** {@code GSP_FW_WPR_META_MAGIC}. */
    public static final long MAGIC = 0xdc3a_ae21_371a_60b3L;
    /** {@code GSP_FW_WPR_META_REVISION}. */
    public static final long REVISION = 1;

    /** Field offsets (u64 each), in declaration order. */
    public static final int MAGIC_AT = 0;
    /** {@code revision}. */
    public static final int REVISION_AT = 8;
    /** {@code sysmemAddrOfRadix3Elf}: level 0 of the radix-3 table over .fwimage. */
    public static final int SYSMEM_ADDR_OF_RADIX3_ELF = 16;
    /** {@code sizeOfRadix3Elf}. */
    public static final int SIZE_OF_RADIX3_ELF = 24;
    /** {@code sysmemAddrOfBootloader}. */
    public static final int SYSMEM_ADDR_OF_BOOTLOADER = 32;
    /** {@code sizeOfBootloader}. */
    public static final int SIZE_OF_BOOTLOADER = 40;
    /** {@code bootloaderCodeOffset}. */
    public static final int BOOTLOADER_CODE_OFFSET = 48;
    /** {@code bootloaderDataOffset}. */
    public static final int BOOTLOADER_DATA_OFFSET = 56;
    /** {@code bootloaderManifestOffset}. */
    public static final int BOOTLOADER_MANIFEST_OFFSET = 64;
    /** {@code sysmemAddrOfSignature}. */
    public static final int SYSMEM_ADDR_OF_SIGNATURE = 72;
    /** {@code sizeOfSignature}. */
    public static final int SIZE_OF_SIGNATURE = 80;
    /** {@code gspFwRsvdStart}. */
    public static final int GSP_FW_RSVD_START = 88;
    /** {@code nonWprHeapOffset}. */
    public static final int NON_WPR_HEAP_OFFSET = 96;
    /** {@code nonWprHeapSize}. */
    public static final int NON_WPR_HEAP_SIZE = 104;
    /** {@code gspFwWprStart}. */
    public static final int GSP_FW_WPR_START = 112;
    /** {@code gspFwHeapOffset}. */
    public static final int GSP_FW_HEAP_OFFSET = 120;
    /** {@code gspFwHeapSize}. */
    public static final int GSP_FW_HEAP_SIZE = 128;
    /** {@code gspFwOffset}. */
    public static final int GSP_FW_OFFSET = 136;
    /** {@code bootBinOffset}. */
    public static final int BOOT_BIN_OFFSET = 144;
    /** {@code frtsOffset}. */
    public static final int FRTS_OFFSET = 152;
    /** {@code frtsSize}. */
    public static final int FRTS_SIZE = 160;
    /** {@code gspFwWprEnd}. */
    public static final int GSP_FW_WPR_END = 168;
    /** {@code fbSize}. */
    public static final int FB_SIZE = 176;
    /** {@code vgaWorkspaceOffset}. */
    public static final int VGA_WORKSPACE_OFFSET = 184;
    /** {@code vgaWorkspaceSize}. */
    public static final int VGA_WORKSPACE_SIZE = 192;

    /**
     * gspFwHeapVfPartitionCount (u8): how many VF partitions GSP-RM splits its WPR2 heap into, 0
     * without vGPU (nova-core fb.rs vf_partition_count; the byte after the union that ends at 0xf0).
     */
    public static final int GSP_FW_HEAP_VF_PARTITION_COUNT = 0xf0;
    /**
     * pmuReservedSize (u32): VRAM reserved for the PMU above FRTS (nova-core gsp/fw.rs
     * GspFwWprMeta::new; r570's GspFwWprMeta, after the flags byte and two bytes of padding).
     */
    public static final int PMU_RESERVED_SIZE = 0xf4;

    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GspFwWprMeta() {
    }

    /** Writes field {@code at} (one of the offsets above). */
    public static void put(MemorySegment meta, int at, long value) {
        meta.set(LE64, at, value);
    }

    /** @return field {@code at} (one of the offsets above) */
    public static long get(MemorySegment meta, int at) {
        return meta.get(LE64, at);
    }

    /** Writes the u8 field at {@code at} ({@link #GSP_FW_HEAP_VF_PARTITION_COUNT}). */
    public static void putU8(MemorySegment meta, int at, int value) {
        meta.set(ValueLayout.JAVA_BYTE, at, (byte) value);
    }

    /** @return the u8 field at {@code at}, unsigned */
    public static int getU8(MemorySegment meta, int at) {
        return Byte.toUnsignedInt(meta.get(ValueLayout.JAVA_BYTE, at));
    }

    /** Writes the u32 field at {@code at} ({@link #PMU_RESERVED_SIZE}). */
    public static void putU32(MemorySegment meta, int at, int value) {
        meta.set(LE32, at, value);
    }

    /** @return the u32 field at {@code at}, unsigned */
    public static long getU32(MemorySegment meta, int at) {
        return Integer.toUnsignedLong(meta.get(LE32, at));
    }

    /** Writes the magic and the revision. */
    public static void putHeader(MemorySegment meta) {
        put(meta, MAGIC_AT, MAGIC);
        put(meta, REVISION_AT, REVISION);
    }
}
