package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.GpuIdentity;
import org.nova.nvidia.fw.BooterFirmware;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.fw.RiscvFirmware;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;
import org.nova.nvidia.regs.Pmc;
import org.nova.nvidia.vbios.Vbios;
import org.nova.nvidia.vbios.VbiosBuilder;

/** The simulated GPU's registers, VBIOS and generated firmware, read back with nvidia.spec. */
class NvidiaGpuTest {
    @TempDir
    Path tmp;

    private NvidiaGpu gpu(Chipset c) {
        return new NvidiaGpu(GpuOptions.of(c, List.of(tmp)));
    }

    private static int r32(NvidiaGpu g, int off) {
        return (int) g.read(off, 4);
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA102", "AD102", "GH100", "GB202"})
    void bootRegistersIdentifyTheChip(Chipset c) {
        NvidiaGpu g = gpu(c);
        GpuIdentity id = GpuIdentity.decode(r32(g, Pmc.BOOT_0.address()), r32(g, Pmc.BOOT_42.address()));
        assertEquals(c, id.chipset());
        assertEquals(c.architecture(), g.architecture());
        assertEquals(c == Chipset.GH100 ? 0x030200 : 0x030000, g.classCode());
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void vbiosParsesBackFromTheRomAndThePromWindow(Chipset c) {
        NvidiaGpu g = gpu(c);
        Vbios fromRom = Vbios.parse("rom", MemorySegment.ofArray(g.rom()));
        if (c.needsFwsecBootloader()) {
            // Turing and GA100: a V2 descriptor, signed as it is
            assertEquals(2, fromRom.fwsecDesc().version());
            assertEquals(0, fromRom.fwsecDesc().signatureCount());
        } else {
            assertEquals(3, fromRom.fwsecDesc().signatureCount());
            assertEquals(0b111, fromRom.fwsecDesc().signatureVersions());
        }
        assertTrue(fromRom.biosVersion().isPresent());
        assertEquals(g.deviceId(), fromRom.pciAt().pcir().deviceId());
        // GA100's PROM window shows the IFR header in front of the PCI ROM
        byte[] prom = new byte[g.rom().length + VbiosBuilder.IFR_PCI_ROM_OFFSET];
        for (int i = 0; i < prom.length; i++) {
            prom[i] = (byte) g.read(Vbios.ROM_OFFSET + i, 1);
        }
        assertEquals(fromRom.fwsecDesc(), Vbios.parse("prom", MemorySegment.ofArray(prom)).fwsecDesc());
    }

    @Test
    void gfwBootCompletesAfterADelayAndAgainAfterReset() throws InterruptedException {
        NvidiaGpu g = gpu(Chipset.GA102);
        int mask = Pgc6.AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK.address();
        assertFalse(Pgc6.gfwBootCompleted(r32(g, Pgc6.GFW_BOOT.address())));
        assertFalse(Pgc6.PRIV_LEVEL_MASK_READ_PROTECTION_LEVEL0.isSet(r32(g, mask)));
        Thread.sleep(SimGfw.BOOT_DELAY_NANOS / 1_000_000 + 5);
        assertTrue(Pgc6.gfwBootCompleted(r32(g, Pgc6.GFW_BOOT.address())));
        assertTrue(Pgc6.PRIV_LEVEL_MASK_READ_PROTECTION_LEVEL0.isSet(r32(g, mask)));
        assertEquals(24 * 1024, r32(g, Pgc6.USABLE_FB_SIZE_IN_MB.address()));
        g.reset();
        assertFalse(Pgc6.gfwBootCompleted(r32(g, Pgc6.GFW_BOOT.address())));
    }

    @Test
    void turingReportsItsSizeInLocalMemoryRange() {
        NvidiaGpu g = gpu(Chipset.TU102);
        assertEquals(11L << 30, Pfb.usableFbSize(r32(g, Pfb.PRI_MMU_LOCAL_MEMORY_RANGE.address())));
    }

    @Test
    void wpr2IsReadOnlyAndTheFaultPresetsIt() {
        NvidiaGpu g = gpu(Chipset.AD102);
        g.write(Pfb.PRI_MMU_WPR2_ADDR_HI.address(), 4, 0x1234_5670);
        assertEquals(0, r32(g, Pfb.PRI_MMU_WPR2_ADDR_HI.address()), "the host cannot set WPR2");
        NvidiaGpu f = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(tmp)).withFault(GpuFault.WPR2_SET));
        assertTrue(Pfb.wpr2HigherBound(r32(f, Pfb.PRI_MMU_WPR2_ADDR_HI.address())) != 0);
        f.reset();
        assertEquals(0, Pfb.wpr2HigherBound(r32(f, Pfb.PRI_MMU_WPR2_ADDR_HI.address())),
                "a reset clears what the previous driver left");
    }

    @Test
    void startingAnUnknownUcodeOnSec2IsRefusedInTheMailboxNotThrown() {
        NvidiaGpu g = gpu(Chipset.GA102); // no trusted firmware in tmp
        int cpuctl = Pfalcon.CPUCTL.address(FalconEngine.SEC2);
        assertTrue(Pfalcon.CPUCTL_ALIAS_EN.isSet(r32(g, cpuctl)));
        g.write(Pfalcon.CPUCTL_ALIAS.address(FalconEngine.SEC2), 4, Pfalcon.CPUCTL_ALIAS_STARTCPU.of(1));
        assertTrue(Pfalcon.CPUCTL_HALTED.isSet(r32(g, cpuctl)));
        assertEquals(NvidiaGpu.BOOTER_ERR_NO_FIRMWARE, r32(g, Pfalcon.MAILBOX0.address(FalconEngine.SEC2)));
        assertFalse(g.gspRunning());
    }

    @Test
    void hungFalconNeverHalts() {
        NvidiaGpu g = new NvidiaGpu(GpuOptions.of(Chipset.TU102, List.of(tmp)).withFault(GpuFault.FALCON_HANG));
        int cpuctl = Pfalcon.CPUCTL.address(FalconEngine.GSP);
        assertFalse(Pfalcon.CPUCTL_ALIAS_EN.isSet(r32(g, cpuctl)), "Turing starts through CPUCTL");
        g.write(cpuctl, 4, Pfalcon.CPUCTL_STARTCPU.of(1));
        assertFalse(Pfalcon.CPUCTL_HALTED.isSet(r32(g, cpuctl)));
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA102", "AD102"})
    void generatedFirmwareParsesInTheRealFormats(Chipset c) {
        Map<String, byte[]> files = GpuFirmwareGenerator.files(c);
        String v = GpuFirmwareGenerator.VERSION;
        GspFirmware gsp = GspFirmware.parse("gsp", MemorySegment.ofArray(files.get(FirmwareNames.path(c, FirmwareNames.GSP, v))));
        assertEquals("535.113.01", gsp.version());
        assertEquals(GpuFirmwareGenerator.GSP_IMAGE_SIZE, gsp.imageSize());
        assertEquals(GpuFirmwareGenerator.GSP_SIGNATURE_SIZE, gsp.signatures(c).byteSize());
        BooterFirmware b = BooterFirmware.parse("booter", MemorySegment.ofArray(
                files.get(FirmwareNames.path(c, FirmwareNames.BOOTER_LOAD, v))));
        assertEquals(GpuFirmwareGenerator.BOOTER_SIGNATURES, b.signatures().size());
        assertEquals(GpuFirmwareGenerator.BOOTER_FUSE_VERSION, b.params().fuseVersion());
        RiscvFirmware r = RiscvFirmware.parse("bl", MemorySegment.ofArray(
                files.get(FirmwareNames.path(c, FirmwareNames.BOOTLOADER, v))));
        assertEquals(GpuFirmwareGenerator.BOOTLOADER_APP_VERSION, r.appVersion());
        assertThrows(IllegalArgumentException.class, () -> GpuFirmwareGenerator.files(Chipset.GH100));
    }

    @Test
    void faultNames() {
        assertEquals(GpuFault.FWSEC_ERROR, GpuFault.of("fwsec-error"));
        assertEquals(GpuFault.NONE, GpuFault.of(""));
        assertThrows(IllegalArgumentException.class, () -> GpuFault.of("melt"));
    }

    @Test
    void theMessageQueueInterruptIsRaisedAndClearedThroughIrqsclr() {
        NvidiaGpu g = gpu(Chipset.GA102);
        List<Boolean> line = new CopyOnWriteArrayList<>();
        g.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                return false;
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                return false;
            }

            @Override
            public void interrupt(boolean asserted) {
                line.add(asserted);
            }
        });
        assertFalse(g.msgqInterruptPending());
        g.raiseMsgqInterrupt();
        assertTrue(g.msgqInterruptPending(), "SWGEN0 pending");
        assertEquals(List.of(true), line);
        assertEquals(1, g.msgqInterrupts());
        int irqsclr = Pfalcon.IRQSCLR.address(FalconEngine.GSP);
        g.write(irqsclr, 4, Pfalcon.IRQSCLR_HALT.of(1));
        assertTrue(g.msgqInterruptPending(), "clearing HALT leaves SWGEN0");
        g.write(irqsclr, 4, Pfalcon.IRQSCLR_SWGEN0.of(1));
        assertFalse(g.msgqInterruptPending());
        assertEquals(List.of(true, false), line, "the driver's clear deasserts the line");
    }
}
