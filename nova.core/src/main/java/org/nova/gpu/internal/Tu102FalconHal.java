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
        f.bar.write(IMEMC, f.engine, PORT, IMEMC_OFFS.of(imem.dstStart()) | IMEMC_AINCW.of(1) | IMEMC_SECURE.of(1));
        for (long pos = 0; pos < imem.len(); pos += 4) {
            if (pos % IMEM_BLOCK == 0) {
                f.bar.write(IMEMT, f.engine, PORT, IMEMT_TAG.of(((imem.srcStart() + pos) / IMEM_BLOCK) & 0xffff));
            }
            f.bar.write(IMEMD, f.engine, PORT, word(src, imem.srcStart() + pos));
        }
        f.bar.write(DMEMC, f.engine, PORT, DMEMC_OFFS.of(dmem.dstStart()) | DMEMC_AINCW.of(1));
        for (long pos = 0; pos < dmem.len(); pos += 4) {
            f.bar.write(DMEMD, f.engine, PORT, word(src, dmem.srcStart() + pos));
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
