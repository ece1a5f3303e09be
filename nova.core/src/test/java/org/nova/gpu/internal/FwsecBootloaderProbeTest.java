package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.bus.pci.Bar;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.FalconUcodeDescV2;
import org.nova.nvidia.fw.FalconUcodeDescV3;
import org.nova.nvidia.fw.GenBootloader;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.vbios.Vbios;

/**
 * Turing and GA100 load FWSEC through the generic bootloader (nova-core firmware/fwsec/bootloader.rs):
 * the probe boots on generated firmware, refuses a missing or malformed gen_bootloader with a clear
 * error and everything released, is refused by the simulated GPU when the bootloader is not the
 * trusted one, and the same GPU then probes again without a reset. FWSEC-FRTS is skipped where the
 * layout gives FRTS no room.
 */
class FwsecBootloaderProbeTest {
    private static final String SLOT = "0000:00:05.0";

    @TempDir
    Path tmp;

    private static Path genBootloader(Path root, Chipset chip) {
        return root.resolve(FirmwareNames.path(chip, FirmwareNames.GEN_BOOTLOADER, GpuFirmwareGenerator.VERSION));
    }

    private static DriverException probeFails(SimPciDevice dev, Path fw, Errno errno, String... fragments) {
        DriverException e = assertThrows(DriverException.class, () -> Gpu.probe(dev, new DirFirmwareLoader(fw)));
        dev.releaseAll(); // what the bus does after a failed probe
        assertEquals(errno, e.errno(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should name " + f);
        }
        assertEquals(0, dev.liveResources(), "devres left after the failed probe");
        assertEquals(0, dev.liveDma(), "DMA left after the failed probe");
        return e;
    }

    private static boolean wpr2(NvidiaGpu gpu) {
        return Pfb.wpr2HigherBound((int) gpu.read(Pfb.PRI_MMU_WPR2_ADDR_HI.address(), Integer.BYTES)) != 0;
    }

    /** Probes, checks the GSP runs, unbinds and checks nothing is left. */
    private static void bootsAndUnbinds(SimPciDevice dev, NvidiaGpu gpu, Path fw) {
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fw));
        assertEquals(GpuInfo.BootState.GSP_STARTED, g.info().state());
        assertTrue(gpu.gspRunning());
        g.unbind();
        dev.releaseAll();
        assertEquals(0, dev.liveDma());
        assertFalse(wpr2(gpu), "the unbind removed WPR2");
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void aMissingGenericBootloaderIsEnoentNamingItAndTheProbeLeavesNothing(Chipset chip) throws IOException {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        Files.delete(genBootloader(fw, chip));
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        probeFails(new SimPciDevice(gpu, SLOT), fw, Errno.ENOENT, "gen_bootloader-535.113.01.bin");
        assertFalse(wpr2(gpu), "nothing ran");
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void aMalformedGenericBootloaderIsEinvalAndTheSameGpuThenBoots(Chipset chip) throws IOException {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp.resolve("good"));
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        Path bad = GpuFirmwareGenerator.generate(chip, tmp.resolve("bad"));
        byte[] good = Files.readAllBytes(genBootloader(bad, chip));
        // cut short: the code runs past the end of the file
        Files.write(genBootloader(bad, chip), Arrays.copyOf(good, good.length - 1));
        probeFails(dev, bad, Errno.EINVAL, "gen_bootloader", "malformed", "data payload");
        // too big for IMEM: the code does not fit below the 64 KiB load ceiling
        Files.write(genBootloader(bad, chip), GenBootloader.build(new byte[GenBootloader.LOAD_CEILING + 4], 0));
        probeFails(dev, bad, Errno.EINVAL, "gen_bootloader", "does not fit below the IMEM load ceiling");
        assertFalse(wpr2(gpu));
        bootsAndUnbinds(dev, gpu, fw);
    }

    /** Generated firmware whose gen_bootloader has one byte of its code changed. */
    private Path untrustedBootloader(Chipset chip) throws IOException {
        Path other = GpuFirmwareGenerator.generate(chip, tmp.resolve("other"));
        byte[] b = Files.readAllBytes(genBootloader(other, chip));
        b[b.length - 1] ^= 0x5a;
        Files.write(genBootloader(other, chip), b);
        return other;
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102"})
    void aBootloaderTheGpuDoesNotTrustIsRefusedAndTheSameGpuThenBootsWithoutAReset(Chipset chip) throws IOException {
        Path trusted = GpuFirmwareGenerator.generate(chip, tmp.resolve("trusted"));
        Path other = untrustedBootloader(chip);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(trusted)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        DriverException e = probeFails(dev, other, Errno.EIO, "FWSEC-FRTS", "generic bootloader", "0xbad");
        assertFalse(wpr2(gpu), "FWSEC did not run: " + e.getMessage());
        assertFalse(gpu.gspRunning());
        bootsAndUnbinds(dev, gpu, trusted);
        // and once more: unbind left the GPU ready for the next probe
        bootsAndUnbinds(dev, gpu, trusted);
    }

    /**
     * GA100 has no FRTS, so the probe never runs FWSEC-FRTS: the generic bootloader first runs at
     * the unbind, for FWSEC-SB. The GPU refuses the untrusted one there, booter_unload cannot run,
     * and WPR2 (which booter_load created) stays: booter_load refuses the next probe until a reset,
     * after which the trusted firmware boots.
     */
    @Test
    void onGa100AnUntrustedBootloaderIsRefusedAtTheUnbindsFwsecSbAndWpr2StaysUntilAReset() throws IOException {
        Chipset chip = Chipset.GA100;
        Path trusted = GpuFirmwareGenerator.generate(chip, tmp.resolve("trusted"));
        Path other = untrustedBootloader(chip);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(trusted)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        Gpu g = Gpu.probe(dev, new DirFirmwareLoader(other));
        assertTrue(gpu.gspRunning(), "booter_load needs no FWSEC on GA100");
        assertTrue(wpr2(gpu), "booter_load created WPR2");
        g.unbind();
        dev.releaseAll();
        assertEquals(0, dev.liveDma());
        assertTrue(wpr2(gpu), "FWSEC-SB was refused, so booter_unload did not run");
        probeFails(dev, trusted, Errno.ENODEV, "booter_load", "0xe06");
        gpu.reset();
        bootsAndUnbinds(dev, gpu, trusted);
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void debiansFirmwareHasNoGenericBootloaderSoTuringAndGa100StopThere(Chipset chip) {
        Path dir = GpuBootTest.realFirmware();
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(dir)));
        probeFails(new SimPciDevice(gpu, SLOT), dir, Errno.ENOENT,
                FirmwareNames.path(chip, FirmwareNames.GEN_BOOTLOADER, FirmwareNames.VERSION_535_113_01));
        assertFalse(wpr2(gpu));
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100"})
    void theOldDirectLoadIsRefusedByTheGpuAndTheBootloaderPathThenCarvesWpr2(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        dev.enableDeviceMem();
        dev.setMaster();
        Devres<Bar> bar0 = dev.iomapRegionSized(0, Bar0.SIZE, Bar0.NAME);
        try (Revocable.Guard<Bar> g = bar0.access()) {
            Bar0 bar = new Bar0(g.get());
            Vbios bios = VbiosReader.read(bar);
            // as the probe does before any falcon reset: without a flush page the reset never completes
            SysmemFlush.register(dev, bar, GpuHal.of(chip));
            Falcon gsp = new Falcon(FalconEngine.GSP, bar, new Tu102FalconHal());
            FbLayout fb = FbLayout.compute(new GpuHal.Tu102(), GpuOptions.defaultFbMiB(chip) << 20, -1, 0x3000, 0x100800, false);
            // GA102's way: FWSEC itself PIO-loaded into IMEM, no bootloader
            Fwsec.Prepared direct = Fwsec.prepare(dev, gsp, bios, fb, null);
            DriverException e = assertThrows(DriverException.class, () -> Fwsec.run(bar, gsp, direct, fb));
            assertEquals(Errno.EIO, e.errno());
            assertTrue(e.getMessage().contains("0xbad"), e.getMessage());
            assertFalse(wpr2(gpu), "nothing carved");
            // upstream's way on the same GPU, no reset in between
            GenBootloader bl = FwsecBootloader.request(dev, chip, new DirFirmwareLoader(fw), GpuFirmwareGenerator.VERSION);
            Fwsec.run(bar, gsp, Fwsec.prepare(dev, gsp, bios, fb, bl), fb);
            assertEquals(fb.frtsStart(), Pfb.wpr2LowerBound((int) gpu.read(Pfb.PRI_MMU_WPR2_ADDR_LO.address(),
                    Integer.BYTES)));
        }
        dev.releaseAll();
        assertEquals(0, dev.liveDma(), "both FWSEC copies freed");
    }

    @Test
    void descriptorsTheBootloaderCannotLoadAreEinvalBeforeAnythingIsAllocated() {
        GenBootloader bl = GenBootloader.parse("bl", java.lang.foreign.MemorySegment.ofArray(
                GenBootloader.build(new byte[0x100], 0xff)));
        // a V3 descriptor: no non-secure code to hand the bootloader
        FalconUcodeDescV3 v3 = new FalconUcodeDescV3(FalconUcodeDescV3.header(0), 0x800, 0, 0, 0, 0x400, 0, 0, 0x400,
                0, 0, 0, 0);
        DriverException e = assertThrows(DriverException.class, () -> FwsecBootloader.stage(bl, null, v3));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("no non-secure code"), e.getMessage());
        // data not loaded at DMEM 0: the bootloader has no destination field for it
        FalconUcodeDescV2 dmemAt = new FalconUcodeDescV2(FalconUcodeDescV2.header(), 0xc00, 0xc00, 0, 0, 0, 0x800, 0,
                0x100, 0x700, 0x800, 0x100, 0x400, 0, 0);
        e = assertThrows(DriverException.class, () -> FwsecBootloader.stage(bl, null, dmemAt));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("DMEM 0x100"), e.getMessage());
        // code reaching the bootloader's place right below 64 KiB of IMEM
        FalconUcodeDescV2 over = new FalconUcodeDescV2(FalconUcodeDescV2.header(), 0xc00, 0xc00, 0, 0, 0xf800,
                0x800, 0, 0x100, 0x700, 0x800, 0, 0x400, 0, 0);
        e = assertThrows(DriverException.class, () -> FwsecBootloader.stage(bl, null, over));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("over the generic bootloader loaded at 0xff00"), e.getMessage());
        // code loaded past IMEM's 64 KiB: the mirror image would need more padding than IMEM holds
        FalconUcodeDescV2 below = new FalconUcodeDescV2(FalconUcodeDescV2.header(), 0xc00, 0xc00, 0, 0, 0x2_0000,
                0x800, 0, 0x100, 0x700, 0x800, 0, 0x400, 0, 0);
        e = assertThrows(DriverException.class, () -> FwsecBootloader.padding(below));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("cannot be mirrored"), e.getMessage());
    }

    @Test
    void fwsecFrtsIsSkippedWhereTheLayoutGivesFrtsNoRoom() {
        FbLayout normal = FbLayout.compute(GpuHal.of(Chipset.TU102), 24L << 30, -1, 0x3000, 0x100800, false);
        assertTrue(Fwsec.frtsNeeded(normal));
        // GA100's HAL gives FRTS no room (fb/hal/ga100.rs frts_size 0)
        FbLayout none = FbLayout.compute(GpuHal.of(Chipset.GA100), 24L << 30, -1, 0x3000, 0x100800, false);
        assertEquals(none.frtsStart(), none.frtsEnd());
        assertFalse(Fwsec.frtsNeeded(none));
        // nothing is touched: no BAR, no falcon, nothing prepared
        Fwsec.run(null, null, null, none);
        DriverException e = assertThrows(DriverException.class, () -> Fwsec.prepare(null, null, null, none, null));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("empty FRTS region"), e.getMessage());
    }
}
