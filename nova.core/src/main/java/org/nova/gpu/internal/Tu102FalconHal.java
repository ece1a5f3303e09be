package org.nova.gpu.internal;

import static org.nova.nvidia.regs.Pfalcon.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.nova.bus.pci.DmaCoherent;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.nvidia.regs.Pfalcon2;

/**
 * Turing (and GA100) falcons, nova-core falcon/hal/tu102.rs: PIO loading through IMEMC/IMEMD
 * and DMEMC/DMEMD, scrubbing status in DMACTL, fuse version 0 (the last signature), no boot-ROM
 * registers, RISC-V status in RISCV_CORE_SWITCH_RISCV_STATUS.
 */
final class Tu102FalconHal implements FalconHal {
    /** Memory scrubbing must end within 10 ms (tu102.rs). */
    static final long SCRUB_TIMEOUT_MS = 10;
    /** PIO port used. */
    static final int PORT = 0;
    /** Bytes per IMEM block (tag granularity). */
    static final int IMEM_BLOCK = 256;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public void resetEngine(Falcon f) {
        f.pulseEngineReset();
        Poll.until(f.engine + " memory scrubbing", SCRUB_TIMEOUT_MS, 0, () -> {
            int d = f.bar.read(DMACTL, f.engine);
            return !DMACTL_DMEM_SCRUBBING.isSet(d) && !DMACTL_IMEM_SCRUBBING.isSet(d);
        });
    }

    @Override
    public void selectCore(Falcon f) {
        // Turing falcons have no core selection.
    }

    @Override
    public int signatureFuseVersion(Falcon f, int engineIdMask, int ucodeId) {
        return 0;
    }

    @Override
    public void checkLoad(DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem) {
        for (Falcon.LoadTarget t : new Falcon.LoadTarget[] {imem, dmem}) {
            if (t.srcStart() < 0 || t.len() < 0 || t.srcStart() > ucode.size() - t.len()) {
                throw new DriverException(Errno.EINVAL, String.format("PIO load of [0x%x, 0x%x) goes "
                        + "beyond the ucode (%d bytes)", t.srcStart(), t.srcStart() + t.len(), ucode.size()));
            }
        }
    }

    @Override
    public void load(Falcon f, DmaCoherent ucode, Falcon.LoadTarget imem, Falcon.LoadTarget dmem) {
        MemorySegment src = ucode.memory();
        pioLoad(f, src.asSlice(imem.srcStart(), Math.min(imem.len(), src.byteSize() - imem.srcStart())),
                imem.dstStart(), true, (int) (imem.srcStart() / IMEM_BLOCK),
                src.asSlice(dmem.srcStart(), Math.min(dmem.len(), src.byteSize() - dmem.srcStart())), dmem.dstStart());
    }

    /**
     * falcon.rs pio_load: {@code code} into IMEM at {@code imemDst} through port 0 (secure or not),
     * a tag per 256-byte block counting up from {@code startTag}; then {@code data} into DMEM at
     * {@code dmemDst}. Words past the end of a source read as 0.
     */
    static void pioLoad(Falcon f, MemorySegment code, long imemDst, boolean secure, int startTag, MemorySegment data,
            long dmemDst) {
        f.bar.write(IMEMC, f.engine, PORT, IMEMC_OFFS.of(imemDst) | IMEMC_AINCW.of(1) | IMEMC_SECURE.of(secure ? 1 : 0));
        for (long pos = 0; pos < code.byteSize(); pos += 4) {
            if (pos % IMEM_BLOCK == 0) {
                f.bar.write(IMEMT, f.engine, PORT, IMEMT_TAG.of((startTag + pos / IMEM_BLOCK) & IMEMT_TAG.mask()));
            }
            f.bar.write(IMEMD, f.engine, PORT, word(code, pos));
        }
        f.bar.write(DMEMC, f.engine, PORT, DMEMC_OFFS.of(dmemDst) | DMEMC_AINCW.of(1));
        for (long pos = 0; pos < data.byteSize(); pos += 4) {
            f.bar.write(DMEMD, f.engine, PORT, word(data, pos));
        }
    }

    private static int word(MemorySegment src, long at) {
        if (at + 4 <= src.byteSize()) {
            return src.get(LE32, at);
        }
        int v = 0;
        for (long i = at; i < src.byteSize() && i < at + 4; i++) {
            v |= (src.get(ValueLayout.JAVA_BYTE, i) & 0xff) << (8 * (i - at));
        }
        return v;
    }

    @Override
    public void programBrom(Falcon f, Falcon.BromParams params) {
        // Turing's boot ROM takes the signature from the DMEM image itself.
    }

    @Override
    public boolean isRiscvActive(Falcon f) {
        return Pfalcon2.RISCV_STATUS_ACTIVE_STAT.isSet(f.bar.read(Pfalcon2.RISCV_CORE_SWITCH_RISCV_STATUS, f.engine));
    }
}
