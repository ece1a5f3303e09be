package org.nova.nvidia.fw;

import java.lang.foreign.MemorySegment;

import org.nova.nvidia.FormatException;
import org.nova.nvidia.internal.Bytes;

/**
 * {@code BootloaderDmemDescV2}: what the driver puts at DMEM 0 for the generic bootloader
 * ({@link GenBootloader}) to DMA FWSEC in: 84 packed little-endian bytes. The DMA object is a
 * mirror image of IMEM, so the code offsets are both source offsets from {@code code_dma_base}
 * and IMEM destinations; the data goes to DMEM 0. Source: nova-core firmware/fwsec/bootloader.rs
 * (commit 1f9283af: {@code BootloaderDmemDescV2}, {@code FALCON_DMAIDX_PHYS_SYS_NCOH}).
 *
 * @param ctxDma DMA context (FBIF TRANSCFG index) the bootloader uses
 * @param codeDmaBase 256-byte-aligned bus address of the code
 * @param nonSecCodeOff offset of the non-secure code from {@code codeDmaBase}, and its IMEM offset
 * @param nonSecCodeSize bytes of non-secure code
 * @param secCodeOff offset of the secure code from {@code codeDmaBase}, and its IMEM offset
 * @param secCodeSize bytes of secure code
 * @param codeEntryPoint entry point the bootloader jumps to
 * @param dataDmaBase 256-byte-aligned bus address of the data
 * @param dataSize bytes of data
 * @param argc arguments passed on (0)
 * @param argv arguments passed on (0)
 */
public record BootloaderDmemDescV2(long ctxDma, long codeDmaBase, long nonSecCodeOff, long nonSecCodeSize,
        long secCodeOff, long secCodeSize, long codeEntryPoint, long dataDmaBase, long dataSize, long argc,
        long argv) {

    /** Size in bytes (packed: 4 reserved u32, 4 signature u32, then the fields). */
    public static final int SIZE = 84;
    /** DMA context for physical, non-coherent system memory, where nova-core puts FWSEC. */
    public static final int FALCON_DMAIDX_PHYS_SYS_NCOH = 4;
    /** Offset of {@code ctx_dma} (after reserved[4] and signature[4]). */
    private static final int CTX_DMA_AT = 32;

    /** Writes the descriptor at {@code at}, reserved and signature words 0. */
    public void write(MemorySegment out, long at) {
        for (int i = 0; i < CTX_DMA_AT; i += Integer.BYTES) {
            Bytes.put32(out, at + i, 0);
        }
        Bytes.put32(out, at + 32, ctxDma);
        Bytes.put64(out, at + 36, codeDmaBase);
        Bytes.put32(out, at + 44, nonSecCodeOff);
        Bytes.put32(out, at + 48, nonSecCodeSize);
        Bytes.put32(out, at + 52, secCodeOff);
        Bytes.put32(out, at + 56, secCodeSize);
        Bytes.put32(out, at + 60, codeEntryPoint);
        Bytes.put64(out, at + 64, dataDmaBase);
        Bytes.put32(out, at + 72, dataSize);
        Bytes.put32(out, at + 76, argc);
        Bytes.put32(out, at + 80, argv);
    }

    /** @return the descriptor as bytes */
    public byte[] toBytes() {
        byte[] b = new byte[SIZE];
        write(MemorySegment.ofArray(b), 0);
        return b;
    }

    /**
     * Reads a descriptor (what the simulated bootloader reads from DMEM).
     *
     * @throws FormatException if fewer than {@link #SIZE} bytes follow {@code at}
     */
    public static BootloaderDmemDescV2 parse(String source, MemorySegment data, long at) {
        Bytes b = new Bytes(source, data);
        String w = "BootloaderDmemDescV2";
        b.require(at, SIZE, w);
        return new BootloaderDmemDescV2(b.u32(at + 32, w), b.u64(at + 36, w), b.u32(at + 44, w), b.u32(at + 48, w),
                b.u32(at + 52, w), b.u32(at + 56, w), b.u32(at + 60, w), b.u64(at + 64, w), b.u32(at + 72, w),
                b.u32(at + 76, w), b.u32(at + 80, w));
    }
}
