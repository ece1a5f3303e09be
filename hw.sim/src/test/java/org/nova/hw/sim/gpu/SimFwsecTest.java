package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfalcon2;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Register;
import org.nova.nvidia.vbios.Vbios;

/**
 * FWSEC on the GSP falcon of a GA102, loaded through the PIO ports and started as nova-core's
 * gsp/boot.rs run_fwsec_frts does: what the boot ROM accepts and what FRTS does with its region.
 */
class SimFwsecTest {
    private static final FalconEngine GSP = FalconEngine.GSP;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path tmp;

    private final NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of()));

    private int r32(int off) {
        return (int) gpu.read(off, Integer.BYTES);
    }

    private void w32(int off, long v) {
        gpu.write(off, Integer.BYTES, v);
    }

    /** Loads the VBIOS's FWSEC patched by {@code patch}, signed if {@code sign}, and starts it. */
    private void run(Consumer<MemorySegment> patch, boolean sign) {
        Vbios bios = gpu.vbios();
        FalconUcodeDescV3 d = (FalconUcodeDescV3) bios.fwsecDesc();
        MemorySegment ucode = MemorySegment.ofArray(bios.fwsecUcode().toArray(ValueLayout.JAVA_BYTE));
        patch.accept(ucode);
        if (sign) {
            // a GA102's GSP fuses are strapped at version 2
            MemorySegment sig = bios.fwsecSignatures().get(d.signatureIndex(2));
            MemorySegment.copy(sig, 0, ucode, d.signaturePatchOffset(), sig.byteSize());
        }
        pio(Pfalcon.IMEMC, Pfalcon.IMEMC_AINCW.of(1), Pfalcon.IMEMD, d.imemPhysBase(), ucode.asSlice(0, d.imemLoadSize()));
        pio(Pfalcon.DMEMC, Pfalcon.DMEMC_AINCW.of(1), Pfalcon.DMEMD, d.dmemPhysBase(),
                ucode.asSlice(d.imemLoadSize(), d.dmemLoadSize()));
        w32(Pfalcon2.BROM_PARAADDR.address(GSP), d.pkcDataOffset());
        w32(Pfalcon2.BROM_ENGIDMASK.address(GSP), d.engineIdMask());
        w32(Pfalcon2.BROM_CURR_UCODE_ID.address(GSP), d.ucodeId());
        w32(Pfalcon2.MOD_SEL.address(GSP), Pfalcon2.MOD_SEL_ALGO_RSA3K);
        w32(Pfalcon.CPUCTL_ALIAS.address(GSP), Pfalcon.CPUCTL_ALIAS_STARTCPU.of(1));
        assertTrue(Pfalcon.CPUCTL_HALTED.isSet(r32(Pfalcon.CPUCTL.address(GSP))), "FWSEC ran to its end");
    }

    private void pio(Register ctl, int autoIncrement, Register data, long at, MemorySegment bytes) {
        w32(ctl.address(GSP, 0), at | autoIncrement);
        for (long i = 0; i < bytes.byteSize(); i += Integer.BYTES) {
            w32(data.address(GSP, 0), Integer.toUnsignedLong(bytes.get(LE32, i)));
        }
    }

    private void frts(MemorySegment ucode, long start, long size) {
        FalconUcodeDescV3 d = (FalconUcodeDescV3) gpu.vbios().fwsecDesc();
        FwsecInterface.locate("test", ucode, d).writeFrts(ucode, start, size);
    }

    private long fbSize() {
        return gpu.options().fbSizeMiB() << 20;
    }

    @Test
    void frtsCreatesWpr2OverTheRegionItIsGiven() {
        long start = fbSize() - 2 * FbLayoutFacts.FRTS_SIZE;
        run(u -> frts(u, start, FbLayoutFacts.FRTS_SIZE), true);
        assertEquals(0, r32(Pfalcon.MAILBOX0.address(GSP)));
        assertEquals(0, Pbus.FRTS_ERR_CODE.get(r32(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        assertEquals(start, Pfb.wpr2LowerBound(r32(Pfb.PRI_MMU_WPR2_ADDR_LO.address())));
        assertEquals(start + FbLayoutFacts.FRTS_SIZE, Pfb.wpr2HigherBound(r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address())));
    }

    @Test
    void aSecondFrtsWhileWpr2ExistsIsRefusedAndSbDoesNotRemoveIt() {
        long start = fbSize() - 2 * FbLayoutFacts.FRTS_SIZE;
        run(u -> frts(u, start, FbLayoutFacts.FRTS_SIZE), true);
        int hi = r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address());
        // a driver that skipped the unload boots again: FWSEC-FRTS refuses, WPR2 is the old one
        long other = fbSize() - 4 * FbLayoutFacts.FRTS_SIZE;
        run(u -> frts(u, other, FbLayoutFacts.FRTS_SIZE), true);
        assertEquals(SimFb.FRTS_ERR_REGION_REFUSED, Pbus.FRTS_ERR_CODE.get(r32(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        assertEquals(start, Pfb.wpr2LowerBound(r32(Pfb.PRI_MMU_WPR2_ADDR_LO.address())));
        assertEquals(hi, r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address()));
        // only booter_unload removes it: SB leaves it
        run(u -> FwsecInterface.locate("test", u, gpu.vbios().fwsecDesc()).writeSb(u), true);
        assertEquals(hi, r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address()));
        gpu.reset();
        assertEquals(0, Pfb.wpr2HigherBound(r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address())), "a reset clears it");
    }

    @Test
    void aRegionOfAnotherSizeIsRefusedWithAnErrorCode() {
        long start = fbSize() - 4 * FbLayoutFacts.FRTS_SIZE;
        run(u -> frts(u, start, 2 * FbLayoutFacts.FRTS_SIZE), true);
        assertEquals(0, r32(Pfalcon.MAILBOX0.address(GSP)), "FWSEC itself ends normally");
        assertEquals(SimFb.FRTS_ERR_REGION_REFUSED, Pbus.FRTS_ERR_CODE.get(r32(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        assertEquals(0, Pfb.wpr2HigherBound(r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address())));
    }

    @Test
    void anUnsignedUcodeIsRefusedByTheBootRom() {
        long start = fbSize() - 2 * FbLayoutFacts.FRTS_SIZE;
        run(u -> frts(u, start, FbLayoutFacts.FRTS_SIZE), false);
        assertEquals(NvidiaGpu.BROM_ERR_SIGNATURE, r32(Pfalcon.MAILBOX0.address(GSP)));
        assertEquals(0, Pfb.wpr2HigherBound(r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address())));
    }

    /** An init_cmd FWSEC's DMEM mapper does not know (neither FRTS 0x15 nor SB 0x19). */
    private static final int UNKNOWN_COMMAND = 0x7f;

    @Test
    void onlyFrtsAndSbAreRun() {
        run(u -> {
            FwsecInterface appif = FwsecInterface.locate("test", u, gpu.vbios().fwsecDesc());
            appif.writeSb(u);
            u.set(LE32, appif.dmemMapperOffset() + FwsecInterface.DMEMMAPPER_INIT_CMD, UNKNOWN_COMMAND);
        }, true);
        assertEquals(NvidiaGpu.FWSEC_ERR_COMMAND, r32(Pfalcon.MAILBOX0.address(GSP)));
    }

    @Test
    void sbEndsNormallyAndCreatesNoWpr2() {
        run(u -> FwsecInterface.locate("test", u, gpu.vbios().fwsecDesc()).writeSb(u), true);
        assertEquals(0, r32(Pfalcon.MAILBOX0.address(GSP)), "FWSEC-SB reports success");
        assertEquals(0, Pfb.wpr2HigherBound(r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address())), "SB carves nothing");
        assertEquals(0, Pbus.FRTS_ERR_CODE.get(r32(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
    }
}
