package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fw.Elf64;
import org.nova.nvidia.fw.Elf64Builder;
import org.nova.nvidia.fw.GspFirmware;
import org.nova.nvidia.regs.Pfb;

/** nova.core's probe against the simulated GPU, without OSGi: boots, refusals, every failure path. */
class GpuBootTest {
    @TempDir
    Path tmp;

    /** A probe's outcome plus the harness, for release checks. */
    record Run(SimPciDevice dev, NvidiaGpu gpu, Gpu driver, DriverException error) {
    }

    private static Run probe(NvidiaGpu gpu, Path fwDir) {
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        try {
            Gpu g = Gpu.probe(dev, new DirFirmwareLoader(fwDir));
            return new Run(dev, gpu, g, null);
        } catch (DriverException e) {
            dev.releaseAll(); // what the bus does after a failed probe
            return new Run(dev, gpu, null, e);
        }
    }

    private static void assertReleased(Run r) {
        assertEquals(0, r.dev().liveResources(), "devres left after the failed probe");
        assertEquals(0, r.dev().liveDma(), "DMA buffers left");
    }

    private static DriverException assertFails(Run r, Errno errno, String... fragments) {
        assertNotNull(r.error(), "the probe should have failed with " + errno);
        assertEquals(errno, r.error().errno(), r.error().getMessage());
        for (String f : fragments) {
            assertTrue(r.error().getMessage().contains(f), "'" + r.error().getMessage() + "' should name " + f);
        }
        assertFalse(r.gpu().gspRunning());
        assertReleased(r);
        return r.error();
    }

    private static void bootAndUnbind(Chipset chip, Path fwDir) {
        bootAndUnbind(chip, fwDir, "535.113.01");
    }

    private static void bootAndUnbind(Chipset chip, Path fwDir, String release) {
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fwDir)));
        Run r = probe(gpu, fwDir);
        if (r.error() != null) {
            fail(chip + " did not boot: " + r.error().getMessage(), r.error());
        }
        GpuInfo info = r.driver().info();
        assertEquals(GpuInfo.BootState.GSP_STARTED, info.state());
        assertEquals(chip.name(), info.chipset());
        assertEquals(chip.architecture().displayName(), info.architecture());
        assertEquals(release, info.firmwareVersion());
        assertEquals(release, r.driver().abi().version(), "the bindings follow the firmware's .fwversion");
        assertEquals(GpuOptions.defaultFbMiB(chip) << 20, info.fbSize());
        assertFalse(info.vbiosVersion().isEmpty());
        assertTrue(gpu.gspRunning(), "the GSP's RISC-V core runs");
        assertTrue(r.dev().liveResources() > 0);
        // unbind: falcons reset, then the binding's devres go
        r.driver().unbind();
        assertEquals(GpuInfo.BootState.STOPPED, r.driver().info().state());
        assertFalse(gpu.gspRunning(), "unbind resets the GSP");
        r.dev().releaseAll();
        assertReleased(r);
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void bootsEverySimulatedChipWithGeneratedFirmware(Chipset chip) {
        bootAndUnbind(chip, GpuFirmwareGenerator.generate(chip, tmp), GpuFirmwareGenerator.defaultVersion(chip));
    }

    static Path realFirmware() {
        String p = System.getProperty("nova.firmware.dir");
        if (p == null || p.isBlank()) {
            fail("system property nova.firmware.dir is not set: run nvidia.spec/fw-fetch.sh and pass "
                    + "-Dnova.firmware.dir=$(nvidia.spec/fw-fetch.sh | tail -1)");
        }
        Path dir = Path.of(p);
        if (!Files.isDirectory(dir.resolve("nvidia"))) {
            fail(dir + " holds no nvidia/ folder");
        }
        return dir;
    }

    @ParameterizedTest
    @EnumSource(names = {"GA102", "AD102"})
    void bootsWithTheRealDebianFirmware(Chipset chip) {
        Path dir = realFirmware();
        assertTrue(Files.isRegularFile(dir.resolve(FirmwareNames.path(chip, FirmwareNames.GSP,
                FirmwareNames.VERSION_535_113_01))));
        bootAndUnbind(chip, dir);
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void bootsHopperAndBlackwellThroughTheFsp(Chipset chip) {
        // identification-only before issue 18: now the FSP boots them with 570.144 (FspBootTest has the rest)
        bootAndUnbind(chip, GpuFirmwareGenerator.generate(chip, tmp), FirmwareNames.VERSION_570_144);
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void hopperAndBlackwellWithoutFirmwareAreRefusedUntouched(Chipset chip) {
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(tmp)));
        Run r = probe(gpu, tmp);
        assertFails(r, Errno.ENOENT, "nvidia/" + chip.firmwareName() + "/gsp/gsp-");
        assertEquals(0, gpu.fspCotAccepted());
    }

    @Test
    void firmwareMissing() {
        Run r = probe(new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(tmp))), tmp);
        assertFails(r, Errno.ENOENT, "nvidia/ga102/gsp/gsp-535.113.01.bin");
    }

    @Test
    void firmwareTruncated() throws IOException {
        GpuFirmwareGenerator.generate(Chipset.AD102, tmp, "535.113.01");
        Path gsp = tmp.resolve(FirmwareNames.path(Chipset.AD102, FirmwareNames.GSP, "535.113.01"));
        byte[] all = Files.readAllBytes(gsp);
        Files.write(gsp, java.util.Arrays.copyOf(all, all.length / 2));
        Run r = probe(new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(tmp))), tmp);
        assertFails(r, Errno.EINVAL, "gsp", "malformed");
    }

    @Test
    void signatureSectionAbsent() throws IOException {
        GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        Path gsp = tmp.resolve(FirmwareNames.path(Chipset.GA102, FirmwareNames.GSP, "535.113.01"));
        // rebuild the ELF without .fwsignature_ga10x
        byte[] all = Files.readAllBytes(gsp);
        Elf64 elf = Elf64.parse("gsp", MemorySegment.ofArray(all));
        Elf64Builder b = new Elf64Builder();
        for (Elf64.Section s : elf.sections()) {
            if (s.index() == 0 || s.name().equals(".shstrtab") || s.name().equals(".fwsignature_ga10x")) {
                continue;
            }
            b.section(s.name(), elf.sectionData(s), s.flags());
        }
        try (Arena a = Arena.ofConfined()) {
            Files.write(gsp, b.build(a).toArray(ValueLayout.JAVA_BYTE));
        }
        Run r = probe(new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(tmp))), tmp);
        assertFails(r, Errno.EINVAL, ".fwsignature_ga10x");
    }

    private Run faulty(Chipset chip, GpuFault fault) {
        GpuFirmwareGenerator.generate(chip, tmp);
        return probe(new NvidiaGpu(GpuOptions.of(chip, List.of(tmp)).withFault(fault)), tmp);
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA102"})
    void fwsecErrorInScratch(Chipset chip) {
        assertFails(faulty(chip, GpuFault.FWSEC_ERROR), Errno.EIO, "FWSEC-FRTS", "0xbad");
    }

    @Test
    void wpr2AlreadySet() {
        assertFails(faulty(Chipset.AD102, GpuFault.WPR2_SET), Errno.EBUSY, "WPR2", "reset");
    }

    @Test
    void falconNeverHalts() {
        long t0 = System.nanoTime();
        Run r = faulty(Chipset.GA102, GpuFault.FALCON_HANG);
        assertFails(r, Errno.ETIMEDOUT, "GSP falcon", "FWSEC-FRTS", "did not halt");
        assertTrue(System.nanoTime() - t0 >= Falcon.HALT_TIMEOUT_MS * 1_000_000L, "waited the 2 s timeout");
    }

    @Test
    void gfwBootNeverCompletes() {
        assertFails(faulty(Chipset.TU102, GpuFault.GFW_HANG), Errno.ETIMEDOUT, "GFW boot");
    }

    @Test
    void booterRefusesAnImageItDoesNotTrust() throws IOException {
        // the driver loads generated firmware of another chip's seed: the booter's signatures differ
        Path trusted = tmp.resolve("trusted");
        Path other = tmp.resolve("other");
        GpuFirmwareGenerator.generate(Chipset.GA102, trusted);
        GpuFirmwareGenerator.generate(Chipset.GA102, other);
        Path booter = other.resolve(FirmwareNames.path(Chipset.GA102, FirmwareNames.BOOTER_LOAD, "535.113.01"));
        byte[] b = Files.readAllBytes(booter);
        b[b.length - 1] ^= 0x5a; // one byte of the data segment changed
        Files.write(booter, b);
        Run r = probe(new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(trusted))), other);
        assertFails(r, Errno.ENODEV, "booter_load", "0xbad");
    }

    @Test
    void layoutPutsFrtsBelowTheVgaWorkspace() {
        long fb = 24L << 30;
        FbLayout l = FbLayout.compute(new GpuHal.Ga102(), fb, fb - (1 << 20), 0x3000, GpuFirmwareGeneratorSizes.IMAGE, false);
        assertEquals(fb - (2L << 20), l.frtsStart());
        assertEquals(l.frtsStart() + (1 << 20), l.frtsEnd());
        assertTrue(l.bootStart() < l.frtsStart() && l.elfEnd() <= l.bootStart() && l.wpr2HeapEnd() <= l.elfStart());
        assertEquals(0, l.wpr2Start() % (1 << 20));
        assertEquals(Pfb.wpr2Encode(l.frtsStart()), Pfb.wpr2Encode(l.frtsStart()));
    }

    /** Sizes used by the layout test. */
    static final class GpuFirmwareGeneratorSizes {
        static final long IMAGE = 0x100800;
    }

    @Test
    void vbiosReadThroughThePromWindowParses() {
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(tmp)));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:06.0");
        var bar = dev.iomapRegionSized(0, Bar0.SIZE, Bar0.NAME);
        try (var g = bar.access()) {
            var bios = VbiosReader.read(new Bar0(g.get()));
            assertEquals(gpu.vbios().fwsecDesc(), bios.fwsecDesc());
            assertEquals(3, bios.fwsecDesc().signatureCount());
        }
        dev.releaseAll();
        assertEquals(0, dev.liveResources());
    }

    @Test
    void nvaFwDescribesElfSectionsAndBinHeaders() throws IOException {
        Map<String, byte[]> files = GpuFirmwareGenerator.files(Chipset.GA102);
        String gspName = FirmwareNames.path(Chipset.GA102, FirmwareNames.GSP, "535.113.01");
        String text = org.nova.gpu.internal.shell.NovaCommands.describe(gspName,
                MemorySegment.ofArray(files.get(gspName)));
        Elf64 elf = Elf64.parse("gsp", MemorySegment.ofArray(files.get(gspName)));
        Elf64.Section image = elf.section(GspFirmware.SECTION_IMAGE).orElseThrow();
        assertTrue(text.contains(String.format(".fwimage %s", "").trim()), text);
        assertTrue(text.contains(String.format("%#x", image.offset())) && text.contains(String.format("%#x",
                image.size())), text);
        String bl = FirmwareNames.path(Chipset.GA102, FirmwareNames.BOOTER_LOAD, "535.113.01");
        String t2 = org.nova.gpu.internal.shell.NovaCommands.describe(bl, MemorySegment.ofArray(files.get(bl)));
        assertTrue(t2.contains("bin_magic      0x10de"), t2);
        assertTrue(t2.contains("data_size"), t2);
        assertTrue(new String(files.get(gspName), StandardCharsets.ISO_8859_1).contains("535.113.01"));
    }
}
