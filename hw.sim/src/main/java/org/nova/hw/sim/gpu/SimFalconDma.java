package org.nova.hw.sim.gpu;

import static org.nova.nvidia.regs.Pfalcon.*;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The DMA engine and FBIF of one simulated falcon ({@link SimFalcon}), nova-core's falcon.rs
 * dma_wr seen from the hardware side: the transfer registers (DMATRFBASE, DMATRFBASE1,
 * DMATRFMOFFS, DMATRFFBOFFS, DMATRFCMD), the FBIF aperture registers (FBIF_CTL, FBIF_TRANSCFG per
 * DMA context) and the 256-byte block copies from host memory into the falcon's IMEM or DMEM,
 * through the device's DMA path (the IOMMU). Register layouts from {@link Pfalcon} (nova-core
 * regs.rs {@code NV_PFALCON_DMATRF*}, {@code NV_PFALCON_FBIF_*}). A refused transfer sets the
 * engine's DMA error, which the ucode models read through {@link SimFalcon#dmaError()}.
 *
 * <p>Owned by its {@link SimFalcon}: created, powered on and reset with it, and reached only
 * through it (its BAR0 window and its {@link SimFalcon#dmaIn} for the ucode models).
 */
final class SimFalconDma {
    /** DMATRFBASE holds address bits 39:8 (falcon.rs dma_wr). */
    private static final int DMATRFBASE_SHIFT = 8;
    /** DMATRFBASE1 holds address bits 48:40 (falcon.rs dma_wr). */
    private static final int DMATRFBASE1_SHIFT = 40;

    private final FalconEngine engine;
    private final NvidiaGpu gpu;
    /** The owning falcon's IMEM and DMEM, which the transfers fill. */
    private final byte[] imem;
    private final byte[] dmem;
    private int dmaBase;
    private int dmaBase1;
    private int dmaMoffs;
    private int dmaFboffs;
    private final int[] transcfg = new int[FBIF_TRANSCFG.count()];
    private int fbifCtl;
    /** Set when a DMA transfer was refused (bad aperture, IOMMU); the ucode will not verify. */
    private boolean dmaError;

    SimFalconDma(FalconEngine engine, NvidiaGpu gpu, byte[] imem, byte[] dmem) {
        this.engine = engine;
        this.gpu = gpu;
        this.imem = imem;
        this.dmem = dmem;
    }

    /**
     * The falcon powered on or was reset: the FBIF apertures and the error clear. The transfer
     * registers keep what the driver last wrote (the driver programs them before every transfer).
     */
    void powerOn() {
        Arrays.fill(transcfg, 0);
        fbifCtl = 0;
        dmaError = false;
    }

    /** @return whether {@code rel} (an offset in the PFALCON window) is one of these registers */
    boolean decodes(int rel) {
        return rel == DMATRFBASE.offset() || rel == DMATRFBASE1.offset() || rel == DMATRFMOFFS.offset()
                || rel == DMATRFFBOFFS.offset() || rel == DMATRFCMD.offset() || rel == FBIF_CTL.offset()
                || FBIF_TRANSCFG.indexAt(rel) >= 0;
    }

    /** @return the register at {@code rel}, one that {@link #decodes} */
    int read(int rel) {
        if (rel == DMATRFBASE.offset()) {
            return dmaBase;
        } else if (rel == DMATRFBASE1.offset()) {
            return dmaBase1;
        } else if (rel == DMATRFMOFFS.offset()) {
            return dmaMoffs;
        } else if (rel == DMATRFFBOFFS.offset()) {
            return dmaFboffs;
        } else if (rel == DMATRFCMD.offset()) {
            return DMATRFCMD_IDLE.of(1); // transfers complete synchronously
        } else if (rel == FBIF_CTL.offset()) {
            return fbifCtl;
        } else if (FBIF_TRANSCFG.indexAt(rel) >= 0) {
            return transcfg[FBIF_TRANSCFG.indexAt(rel)];
        }
        return 0;
    }

    /** Writes the register at {@code rel}, one that {@link #decodes}; a DMATRFCMD write transfers. */
    void write(int rel, int v) {
        if (rel == DMATRFBASE.offset()) {
            dmaBase = v;
        } else if (rel == DMATRFBASE1.offset()) {
            dmaBase1 = v & DMATRFBASE1_BASE.mask();
        } else if (rel == DMATRFMOFFS.offset()) {
            dmaMoffs = v & DMATRFMOFFS_OFFS.mask();
        } else if (rel == DMATRFFBOFFS.offset()) {
            dmaFboffs = v;
        } else if (rel == DMATRFCMD.offset()) {
            dmaTransfer(v);
        } else if (rel == FBIF_CTL.offset()) {
            fbifCtl = v;
        } else if (FBIF_TRANSCFG.indexAt(rel) >= 0) {
            transcfg[FBIF_TRANSCFG.indexAt(rel)] = v;
        }
    }

    /** @return whether a DMA transfer into the falcon failed since its last reset */
    boolean dmaError() {
        return dmaError;
    }

    /** One DMATRFCMD write: a 256-byte copy from host memory into IMEM or DMEM. */
    private void dmaTransfer(int cmd) {
        if (Pfalcon.DMATRFCMD_IS_WRITE.isSet(cmd)) {
            gpu.log("{}: DMA from falcon memory to host is not modelled; ignored", engine);
            dmaError = true;
            return;
        }
        if (DMATRFCMD_SIZE.get(cmd) != DMATRFCMD_SIZE_256B) {
            gpu.log("{}: DMA size code {} is not modelled (only 256 B)", engine, DMATRFCMD_SIZE.get(cmd));
            dmaError = true;
            return;
        }
        long base = (Integer.toUnsignedLong(dmaBase) << DMATRFBASE_SHIFT) | ((long) dmaBase1 << DMATRFBASE1_SHIFT);
        copyIn(DMATRFCMD_CTXDMA.get(cmd), base + Integer.toUnsignedLong(dmaFboffs), DMATRFCMD_IMEM.isSet(cmd), dmaMoffs);
    }

    /**
     * One 256-byte DMA block from host memory at {@code src} into IMEM or DMEM at {@code dst},
     * through DMA context {@code ctx}: its FBIF aperture must target system memory, and the read
     * goes through the device's DMA path (the IOMMU). A refusal sets {@link #dmaError()}.
     *
     * @return whether the block was copied
     */
    private boolean copyIn(int ctx, long src, boolean toImem, int dst) {
        if (ctx < 0 || ctx >= transcfg.length) {
            gpu.log("{}: DMA context {} does not exist", engine, ctx);
            dmaError = true;
            return false;
        }
        int target = FBIF_TRANSCFG_TARGET.get(transcfg[ctx]);
        if (target != FBIF_TARGET_COHERENT_SYSMEM && target != FBIF_TARGET_NONCOHERENT_SYSMEM) {
            // The aperture points at VRAM: what the driver put in system memory is not fetched.
            gpu.log("{}: DMA context {} targets local FB (TRANSCFG 0x{}), not system memory", engine, ctx,
                    Integer.toHexString(transcfg[ctx]));
            dmaError = true;
            return false;
        }
        byte[] mem = toImem ? imem : dmem;
        if (dst < 0 || dst + DMA_TRANSFER_BYTES > mem.length) {
            gpu.log("{}: DMA to {} offset 0x{} is past its end", engine, toImem ? "IMEM" : "DMEM", Integer.toHexString(dst));
            dmaError = true;
            return false;
        }
        MemorySegment buf = MemorySegment.ofArray(new byte[DMA_TRANSFER_BYTES]);
        if (!gpu.host().dmaRead(src, buf)) {
            gpu.log("{}: DMA read of 0x{} refused by the IOMMU", engine, Long.toHexString(src));
            dmaError = true;
            return false;
        }
        MemorySegment.copy(buf, 0, MemorySegment.ofArray(mem), dst, DMA_TRANSFER_BYTES);
        return true;
    }

    /**
     * What a ucode running on the falcon (the generic bootloader, {@link SimFwsec}) DMAs in:
     * {@code len} bytes, rounded up to whole 256-byte blocks, from host memory at {@code src}
     * into IMEM or DMEM at {@code dst}, through DMA context {@code ctx} as {@link #copyIn} checks.
     *
     * @return whether every block was copied (else {@link #dmaError()} is set)
     */
    boolean dmaIn(int ctx, long src, boolean toImem, long dst, long len) {
        long blocks = (len + DMA_TRANSFER_BYTES - 1) / DMA_TRANSFER_BYTES;
        if (dst < 0 || len < 0 || dst + blocks * DMA_TRANSFER_BYTES > (toImem ? imem : dmem).length) {
            gpu.log("{}: DMA of 0x{} bytes to {} offset 0x{} goes past its end", engine, Long.toHexString(len),
                    toImem ? "IMEM" : "DMEM", Long.toHexString(dst));
            dmaError = true;
            return false;
        }
        for (long pos = 0; pos < len; pos += DMA_TRANSFER_BYTES) {
            if (!copyIn(ctx, src + pos, toImem, (int) (dst + pos))) {
                return false;
            }
        }
        return true;
    }
}
