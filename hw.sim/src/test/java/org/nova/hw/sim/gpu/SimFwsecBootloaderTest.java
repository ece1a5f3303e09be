package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.BootloaderDmemDescV2;
import org.nova.nvidia.fw.FalconUcodeDesc;
import org.nova.nvidia.fw.FwsecInterface;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Register;
import org.nova.nvidia.vbios.IfrHeader;
import org.nova.nvidia.vbios.Vbios;

/**
 * FWSEC on the GSP falcon of Turing and GA100, started the way nova-core's
 * firmware/fwsec/bootloader.rs starts it: the generic bootloader PIO-loaded below 64 KiB of IMEM,
 * its descriptor at DMEM 0, DMA context 4 on system memory, the falcon started at the start tag;
 * the bootloader DMAs FWSEC in from host memory. Each wrong value the driver could program is
 * refused as the hardware would, with nothing carved; FWSEC put into IMEM directly is not run.
 */
class SimFwsecBootloaderTest {
    private static final FalconEngine GSP = FalconEngine.GSP;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Where the test's host memory starts (page aligned, above 4 GiB so both base words matter). */
    private static final long HOST_BASE = 0x1_2340_0000L;
    private static final int HOST_SIZE = 0x4000;

    @TempDir
    Path tmp;

    private NvidiaGpu gpu;
    private final byte[] host = new byte[HOST_SIZE];

    private NvidiaGpu gpu(Chipset c, boolean withFirmware) {
        Path root = withFirmware ? GpuFirmwareGenerator.generate(c, tmp) : tmp;
        gpu = new NvidiaGpu(GpuOptions.of(c, List.of(root)));
        gpu.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                if (iova < HOST_BASE || iova + dst.byteSize() > HOST_BASE + HOST_SIZE) {
                    return false;
                }
                MemorySegment.copy(MemorySegment.ofArray(host), iova - HOST_BASE, dst, 0, dst.byteSize());
                return true;
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                return false;
            }
        });
        // the driver registers a sysmem flush page before any falcon reset (fb.rs SysmemFlush): the
        // last page of the test's host memory
        w32(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), (HOST_BASE + HOST_SIZE - FLUSH_PAGE) >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT);
        return gpu;
    }

    /** The sysmem flush page's size. */
    private static final int FLUSH_PAGE = 4096;

    private int r32(int off) {
        return (int) gpu.read(off, Integer.BYTES);
    }

    private void w32(int off, long v) {
        gpu.write(off, Integer.BYTES, v);
    }

    private GenBootloader bootloader(Chipset c) throws IOException {
        String rel = FirmwareNames.path(c, FirmwareNames.GEN_BOOTLOADER, GpuFirmwareGenerator.defaultVersion(c));
        return GenBootloader.parse(rel, MemorySegment.ofArray(Files.readAllBytes(tmp.resolve(rel))));
    }

    private long fbSize() {
        return gpu.options().fbSizeMiB() << 20;
    }

    /** The FWSEC copy in host memory, with an FRTS command of {@code size} bytes patched in. */
    private FalconUcodeDesc stageFwsec(long frtsSize) {
        Vbios bios = gpu.vbios();
        FalconUcodeDesc d = bios.fwsecDesc();
        MemorySegment copy = MemorySegment.ofArray(host).asSlice(0, d.ucodeSize());
        copy.copyFrom(bios.fwsecUcode());
        FwsecInterface.locate("test", copy, d).writeFrts(copy, fbSize() - 2 * FbLayoutFacts.FRTS_SIZE, frtsSize);
        return d;
    }

    /** The descriptor bootloader.rs builds for that copy. */
    private static BootloaderDmemDescV2 desc(FalconUcodeDesc d) {
        FalconUcodeDesc.LoadTarget ns = d.imemNonSecure().orElseThrow();
        FalconUcodeDesc.LoadTarget sec = d.imemSecure();
        return new BootloaderDmemDescV2(BootloaderDmemDescV2.FALCON_DMAIDX_PHYS_SYS_NCOH, HOST_BASE, ns.dstStart(),
                ns.len(), sec.dstStart(), sec.len(), 0, HOST_BASE + d.dmem().srcStart(), d.dmem().len(), 0, 0);
    }

    private void pio(Register ctl, int flags, Register data, long at, MemorySegment bytes) {
        w32(ctl.address(GSP, 0), at | flags);
        for (long i = 0; i < bytes.byteSize(); i += Integer.BYTES) {
            w32(data.address(GSP, 0), Integer.toUnsignedLong(bytes.get(LE32, i)));
        }
    }

    /** How the test deviates from what the driver must program. */
    private record Run(UnaryOperator<BootloaderDmemDescV2> desc, long bootvecDelta, int target, boolean loadBootloader) {
        static Run asUpstream() {
            return new Run(UnaryOperator.identity(), 0, Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true);
        }
    }

    /** Resets the GSP falcon, loads and starts as {@code run} says; returns MAILBOX0. */
    private int start(GenBootloader bl, FalconUcodeDesc d, Run run) {
        w32(Pfalcon.ENGINE.address(GSP), Pfalcon.ENGINE_RESET.of(1));
        w32(Pfalcon.ENGINE.address(GSP), 0);
        if (run.loadBootloader()) {
            byte[] code = new byte[(int) bl.alignedCodeSize()];
            MemorySegment.copy(bl.code(), 0, MemorySegment.ofArray(code), 0, bl.codeSize());
            pio(Pfalcon.IMEMC, Pfalcon.IMEMC_AINCW.of(1), Pfalcon.IMEMD, bl.imemDstStart(), MemorySegment.ofArray(code));
            pio(Pfalcon.DMEMC, Pfalcon.DMEMC_AINCW.of(1), Pfalcon.DMEMD, 0,
                    MemorySegment.ofArray(run.desc().apply(desc(d)).toBytes()));
        } else {
            // the GA102 way: FWSEC's code and data straight into IMEM/DMEM
            MemorySegment ucode = MemorySegment.ofArray(host).asSlice(0, d.ucodeSize());
            pio(Pfalcon.IMEMC, Pfalcon.IMEMC_AINCW.of(1) | Pfalcon.IMEMC_SECURE.of(1), Pfalcon.IMEMD, 0,
                    ucode.asSlice(0, d.imemLoadSize()));
            pio(Pfalcon.DMEMC, Pfalcon.DMEMC_AINCW.of(1), Pfalcon.DMEMD, 0, ucode.asSlice(d.dmem().srcStart(),
                    d.dmem().len()));
        }
        w32(Pfalcon.FBIF_TRANSCFG.address(GSP, BootloaderDmemDescV2.FALCON_DMAIDX_PHYS_SYS_NCOH),
                Pfalcon.FBIF_TRANSCFG_TARGET.of(run.target()) | Pfalcon.FBIF_TRANSCFG_MEM_TYPE.of(
                        Pfalcon.FBIF_MEM_TYPE_PHYSICAL));
        w32(Pfalcon.BOOTVEC.address(GSP), bl.bootAddr() + run.bootvecDelta());
        w32(Pfalcon.MAILBOX0.address(GSP), 0);
        w32(Pfalcon.CPUCTL.address(GSP), Pfalcon.CPUCTL_STARTCPU.of(1));
        assertTrue(Pfalcon.CPUCTL_HALTED.isSet(r32(Pfalcon.CPUCTL.address(GSP))), "the falcon halted");
        return r32(Pfalcon.MAILBOX0.address(GSP));
    }

    private boolean wpr2() {
        return Pfb.wpr2HigherBound(r32(Pfb.PRI_MMU_WPR2_ADDR_HI.address())) != 0;
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void theBootloaderDmasFwsecInAndFrtsCarvesWpr2(Chipset c) throws IOException {
        gpu(c, true);
        FalconUcodeDesc d = stageFwsec(FbLayoutFacts.FRTS_SIZE);
        assertEquals(2, d.version(), "Turing and GA100 VBIOSes carry a V2 descriptor");
        assertEquals(0, start(bootloader(c), d, Run.asUpstream()));
        assertEquals(0, Pbus.FRTS_ERR_CODE.get(r32(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        assertEquals(fbSize() - 2 * FbLayoutFacts.FRTS_SIZE, Pfb.wpr2LowerBound(r32(Pfb.PRI_MMU_WPR2_ADDR_LO.address())));
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void fwsecLoadedDirectlyIsNotRun(Chipset c) throws IOException {
        gpu(c, true);
        FalconUcodeDesc d = stageFwsec(FbLayoutFacts.FRTS_SIZE);
        assertEquals(NvidiaGpu.BROM_ERR_SIGNATURE, start(bootloader(c), d,
                new Run(UnaryOperator.identity(), 0, Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, false)));
        assertTrue(!wpr2(), "nothing carved");
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void everyWrongValueOfTheBootloaderRunIsRefused(Chipset c) throws IOException {
        gpu(c, true);
        GenBootloader bl = bootloader(c);
        FalconUcodeDesc d = stageFwsec(FbLayoutFacts.FRTS_SIZE);
        record Case(String what, Run run, int mailbox0) {
        }
        List<Case> cases = List.of(
                new Case("code DMA base one block off", new Run(x -> withCodeBase(x, x.codeDmaBase() + 0x100), 0,
                        Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true), NvidiaGpu.BROM_ERR_SIGNATURE),
                new Case("code DMA base outside host memory", new Run(x -> withCodeBase(x, 0x1000), 0,
                        Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true), NvidiaGpu.BROM_ERR_SIGNATURE),
                new Case("code DMA base not 256-byte aligned", new Run(x -> withCodeBase(x, x.codeDmaBase() + 4), 0,
                        Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true), NvidiaGpu.BROM_ERR_SIGNATURE),
                new Case("secure code size short", new Run(x -> new BootloaderDmemDescV2(x.ctxDma(), x.codeDmaBase(),
                        x.nonSecCodeOff(), x.nonSecCodeSize(), x.secCodeOff(), x.secCodeSize() - 0x100,
                        x.codeEntryPoint(), x.dataDmaBase(), x.dataSize(), 0, 0), 0,
                        Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true), NvidiaGpu.BROM_ERR_SIGNATURE),
                new Case("data DMA base at the code", new Run(x -> new BootloaderDmemDescV2(x.ctxDma(), x.codeDmaBase(),
                        x.nonSecCodeOff(), x.nonSecCodeSize(), x.secCodeOff(), x.secCodeSize(), x.codeEntryPoint(),
                        x.codeDmaBase(), x.dataSize(), 0, 0), 0, Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true),
                        NvidiaGpu.FWSEC_ERR_COMMAND),
                new Case("DMA context the driver did not configure", new Run(x -> new BootloaderDmemDescV2(0,
                        x.codeDmaBase(), x.nonSecCodeOff(), x.nonSecCodeSize(), x.secCodeOff(), x.secCodeSize(),
                        x.codeEntryPoint(), x.dataDmaBase(), x.dataSize(), 0, 0), 0,
                        Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true), NvidiaGpu.BROM_ERR_SIGNATURE),
                new Case("DMA context on VRAM", new Run(UnaryOperator.identity(), 0, Pfalcon.FBIF_TARGET_LOCAL_FB, true),
                        NvidiaGpu.BROM_ERR_SIGNATURE),
                new Case("boot vector not the start tag", new Run(UnaryOperator.identity(), 0x100,
                        Pfalcon.FBIF_TARGET_COHERENT_SYSMEM, true), SimFwsec.BL_ERR_BOOT_VECTOR));
        for (Case k : cases) {
            assertEquals(k.mailbox0(), start(bl, d, k.run()), k.what());
            assertTrue(!wpr2(), k.what() + ": nothing carved");
        }
        // and after all that, the right values still work without a GPU reset
        assertEquals(0, start(bl, d, Run.asUpstream()));
        assertTrue(wpr2());
    }

    private static BootloaderDmemDescV2 withCodeBase(BootloaderDmemDescV2 x, long base) {
        return new BootloaderDmemDescV2(x.ctxDma(), base, x.nonSecCodeOff(), x.nonSecCodeSize(), x.secCodeOff(),
                x.secCodeSize(), x.codeEntryPoint(), x.dataDmaBase(), x.dataSize(), x.argc(), x.argv());
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void withoutATrustedBootloaderNothingRuns(Chipset c) throws IOException {
        GenBootloader bl = GenBootloader.parse("bl", MemorySegment.ofArray(
                GpuFirmwareGenerator.files(c).get(FirmwareNames.path(c, FirmwareNames.GEN_BOOTLOADER,
                        GpuFirmwareGenerator.VERSION))));
        gpu(c, false);
        FalconUcodeDesc d = stageFwsec(FbLayoutFacts.FRTS_SIZE);
        assertEquals(NvidiaGpu.BROM_ERR_SIGNATURE, start(bl, d, Run.asUpstream()));
        assertTrue(!wpr2());
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void anFrtsRegionOfSizeZeroIsRefused(Chipset c) throws IOException {
        gpu(c, true);
        FalconUcodeDesc d = stageFwsec(0);
        assertEquals(0, start(bootloader(c), d, Run.asUpstream()), "FWSEC itself ends normally");
        assertEquals(SimFb.FRTS_ERR_REGION_REFUSED, Pbus.FRTS_ERR_CODE.get(r32(Pbus.SW_SCRATCH_0E_FRTS_ERR.address())));
        assertTrue(!wpr2());
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void thePromShowsTheIfrHeaderOnGa100Only(Chipset c) {
        gpu(c, false);
        int first = r32(Vbios.ROM_OFFSET);
        if (c == Chipset.GA100) {
            assertEquals(IfrHeader.SIGNATURE, first, "GA100's IFR microcode does not hide the header");
            assertEquals(3, gpu.vbios().ifr().orElseThrow().version());
        } else {
            assertEquals(0xaa55, first & 0xffff, "Turing's PROM reads start at the PCI ROM");
            assertTrue(gpu.vbios().ifr().isEmpty());
        }
        assertEquals(0xaa55, (gpu.rom()[0] & 0xff) | (gpu.rom()[1] & 0xff) << 8, "the expansion ROM is the PCI ROM");
    }
}
