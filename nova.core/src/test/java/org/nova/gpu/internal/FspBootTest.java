package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.DmaCoherent;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.hw.sim.gpu.SimFsp;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FirmwareNames;
import org.nova.nvidia.fsp.FmcFirmware;
import org.nova.nvidia.fsp.FspCot;
import org.nova.nvidia.fsp.GspFmcBootParams;
import org.nova.nvidia.fsp.Mctp;
import org.nova.nvidia.fw.Elf64;
import org.nova.nvidia.fw.Elf64Builder;

/**
 * Hopper and Blackwell boot through the FSP (nova-core gsp/hal/gh100.rs, fsp.rs) against the
 * simulated GH100, GB100 and GB202: the boot on generated 570.144 firmware; each wrong thing the
 * driver could hand the FSP (FMC image, hash, key, signature, malformed MCTP/NVDM, truncation, COT
 * version, boot parameters) refused by the simulated FSP or GSP-FMC as the hardware would, with a
 * clear error and nothing leaked; every failure of the probe followed by a probe of the same GPU
 * without a reset; unload and probe again a hundred times.
 */
class FspBootTest {
    private static final String SLOT = "0000:00:07.0";
    private static final String RELEASE = FirmwareNames.VERSION_570_144;

    @TempDir
    Path tmp;

    private static Gpu probe(SimPciDevice dev, Path fw) {
        return Gpu.probe(dev, new DirFirmwareLoader(fw));
    }

    private static void unbind(SimPciDevice dev, Gpu g) {
        g.unbind();
        dev.releaseAll();
        assertEquals(0, dev.liveResources(), "devres left after unbind");
        assertEquals(0, dev.liveDma(), "DMA left after unbind");
    }

    /** Probes expecting failure; checks the errno, the message and that nothing is left. */
    private static DriverException refused(NvidiaGpu gpu, Path driverFw, Errno errno, String... fragments) {
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        DriverException e = assertThrows(DriverException.class, () -> probe(dev, driverFw));
        dev.releaseAll();
        assertEquals(errno, e.errno(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should name " + f);
        }
        assertFalse(gpu.gspRunning(), "no GSP-RM runs after the refusal");
        assertEquals(0, dev.liveResources(), "devres left after the failed probe");
        assertEquals(0, dev.liveDma(), "DMA left after the failed probe");
        return e;
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB100", "GB202"})
    void bootsThroughTheFspOnGeneratedFirmwareAndUnloads(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        assertTrue(Files.isRegularFile(fw.resolve(FirmwareNames.path(chip, FmcFirmware.FILE, RELEASE))));
        assertFalse(Files.exists(fw.resolve(FirmwareNames.path(chip, FirmwareNames.BOOTER_LOAD, RELEASE))),
                "no booter for a chip the FSP boots");
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        Gpu g = probe(dev, fw);
        GpuInfo info = g.info();
        assertEquals(GpuInfo.BootState.GSP_STARTED, info.state());
        assertEquals(chip.architecture().displayName(), info.architecture());
        assertEquals(RELEASE, info.firmwareVersion());
        assertEquals(RELEASE, g.abi().version());
        assertEquals(GpuOptions.defaultFbMiB(chip) << 20, info.fbSize());
        assertEquals(1, gpu.fspCotAccepted(), "one chain of trust");
        assertTrue(gpu.gspRunning());
        assertFalse(g.gspName().isEmpty(), "GetGspStaticInfo answered");
        assertEquals(0, g.sequencerRuns(), "no CPU sequencer on the FSP path (gsp/hal/gh100.rs has no post-boot)");
        assertTrue(g.bootTimes().keySet().containsAll(List.of("FSP secure boot", "FSP chain of trust",
                "GSP lockdown release")), g.bootTimes().toString());
        unbind(dev, g);
        assertFalse(gpu.gspRunning(), "the unload halted the GSP");
    }

    @Test
    void hopperAndBlackwellHalsFollowUpstream() {
        FspGpuHal gh = (FspGpuHal) GpuHal.of(Chipset.GH100);
        FspGpuHal gb1 = (FspGpuHal) GpuHal.of(Chipset.GB100);
        FspGpuHal gb2 = (FspGpuHal) GpuHal.of(Chipset.GB202);
        assertEquals(1, gh.cotVersion());
        assertEquals(2, gb1.cotVersion());
        assertEquals(2, gb2.cotVersion());
        assertEquals(0x200bc, gh.fspBootStatus().address());
        assertEquals(0x200bc, gb1.fspBootStatus().address(), "GB10x reads Hopper's register");
        assertEquals(0xad00bc, gb2.fspBootStatus().address());
        assertEquals(52, gh.dmaMaskBits());
        assertEquals(2L << 20, gh.frtsVidmemOffset(), "2 MiB heap, no PMU reservation");
        // 2 MiB (+128 KiB on GB20x) + align_up(24 MiB + 4 KiB, 128 KiB), aligned up to 2 MiB
        assertEquals(28L << 20, gb1.frtsVidmemOffset());
        assertEquals(28L << 20, gb2.frtsVidmemOffset());
        assertFalse(GpuHal.of(Chipset.AD102) instanceof FspGpuHal);
    }

    /** Writes the chip's firmware twice: what the GPU trusts, and what the driver loads (then changed). */
    private Path[] trustedAndDriver(Chipset chip) {
        Path trusted = GpuFirmwareGenerator.generate(chip, tmp.resolve("trusted"));
        Path driver = GpuFirmwareGenerator.generate(chip, tmp.resolve("driver"));
        return new Path[] {trusted, driver};
    }

    /** Rebuilds the driver's FMC with {@code change} applied to its sections (name → bytes). */
    private static void rewriteFmc(Path dir, Chipset chip, Consumer<java.util.Map<String, byte[]>> change)
            throws IOException {
        Path f = dir.resolve(FirmwareNames.path(chip, FmcFirmware.FILE, RELEASE));
        Elf64 elf = Elf64.parse("fmc", MemorySegment.ofArray(Files.readAllBytes(f)));
        java.util.Map<String, byte[]> sections = new java.util.LinkedHashMap<>();
        for (Elf64.Section s : elf.sections()) {
            if (s.index() != 0 && !s.name().equals(".shstrtab")) {
                sections.put(s.name(), elf.sectionData(s).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        change.accept(sections);
        Elf64Builder b = new Elf64Builder();
        sections.forEach(b::section);
        try (Arena a = Arena.ofConfined()) {
            Files.write(f, b.build(a).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void anFmcImageThatIsNotItsHashIsRefused(Chipset chip) throws IOException {
        Path[] d = trustedAndDriver(chip);
        rewriteFmc(d[1], chip, s -> s.get(FmcFirmware.SECTION_IMAGE)[100] ^= 0x5a);
        refused(new NvidiaGpu(GpuOptions.of(chip, List.of(d[0]))), d[1], Errno.EIO, "chain of trust",
                String.format("0x%x", SimFsp.ERR_HASH));
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void aSignatureOrKeyTheGpuDoesNotTrustIsRefused(Chipset chip) throws IOException {
        Path[] d = trustedAndDriver(chip);
        rewriteFmc(d[1], chip, s -> s.get(FmcFirmware.SECTION_SIGNATURE)[0] ^= 1);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(d[0])));
        refused(gpu, d[1], Errno.EIO, String.format("0x%x", SimFsp.ERR_SIGNATURE));
        Path[] k = trustedAndDriver(chip);
        rewriteFmc(k[1], chip, s -> s.get(FmcFirmware.SECTION_PUBLIC_KEY)[3] ^= 1);
        refused(gpu, k[1], Errno.EIO, String.format("0x%x", SimFsp.ERR_SIGNATURE));
        // after two refusals the same GPU boots with the right firmware, no reset
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        unbind(dev, probe(dev, d[0]));
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void gspFmcRefusesAGspImageItDoesNotTrust(Chipset chip) throws IOException {
        Path[] d = trustedAndDriver(chip);
        Path gsp = d[1].resolve(FirmwareNames.path(chip, FirmwareNames.GSP, RELEASE));
        byte[] b = Files.readAllBytes(gsp);
        Elf64 elf = Elf64.parse("gsp", MemorySegment.ofArray(b));
        long at = elf.section(org.nova.nvidia.fw.GspFirmware.SECTION_IMAGE).orElseThrow().offset();
        b[(int) at + 8] ^= 0x5a; // the first page of .fwimage changed
        Files.write(gsp, b);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(d[0])));
        refused(gpu, d[1], Errno.EIO, String.format("GSP-FMC boot failed (mailbox0 0x%x)", SimFsp.FMC_ERR_GSP_IMAGE));
        assertEquals(1, gpu.fspCotAccepted(), "the chain of trust itself was right");
    }

    @Test
    void anFmcWithoutAHashOrWithOversizedSectionsIsRefusedBeforeTheGpuIsTouched() throws IOException {
        Chipset chip = Chipset.GH100;
        Path[] d = trustedAndDriver(chip);
        rewriteFmc(d[1], chip, s -> s.remove(FmcFirmware.SECTION_HASH));
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(d[0])));
        refused(gpu, d[1], Errno.EINVAL, "fmc", "hash");
        rewriteFmc(d[1], chip, s -> {
            s.put(FmcFirmware.SECTION_HASH, new byte[FmcFirmware.HASH_SIZE]);
            s.put(FmcFirmware.SECTION_SIGNATURE, new byte[FmcFirmware.SIGNATURE_SIZE + 4]);
        });
        refused(gpu, d[1], Errno.EINVAL, "signature", "388");
        rewriteFmc(d[1], chip, s -> {
            s.put(FmcFirmware.SECTION_SIGNATURE, new byte[FmcFirmware.SIGNATURE_SIZE]);
            s.put(FmcFirmware.SECTION_HASH, new byte[FmcFirmware.HASH_SIZE - 1]);
        });
        refused(gpu, d[1], Errno.EINVAL, "hash", "47");
        assertEquals(0, gpu.fspCotAccepted());
    }

    @Test
    void anFspWhoseSecureBootNeverCompletesTimesOut() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GB202, tmp);
        long t0 = System.nanoTime();
        refused(new NvidiaGpu(GpuOptions.of(Chipset.GB202, List.of(fw)).withFault(GpuFault.FSP_BOOT_HANG)), fw,
                Errno.ETIMEDOUT, "secure boot", "NV_THERM_I2CS_SCRATCH(gb202)", "0xff");
        assertTrue(System.nanoTime() - t0 >= Fsp.SECURE_BOOT_TIMEOUT_MS * 1_000_000L, "waited the 5 s");
    }

    @Test
    void aGspFmcThatNeverReleasesTheLockdownTimesOutAndLeavesNothing() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GH100, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.GH100, List.of(fw)).withFault(GpuFault.GSP_FMC_HANG));
        long t0 = System.nanoTime();
        refused(gpu, fw, Errno.ETIMEDOUT, "lockdown was not released", "30000 ms",
                String.format("HWCFG2 0x%x", org.nova.nvidia.regs.Pfalcon.PRIV_TARGET_LOCKED_PATTERN));
        assertTrue(System.nanoTime() - t0 >= FspBoot.LOCKDOWN_TIMEOUT_MS * 1_000_000L, "waited the 30 s");
        assertEquals(1, gpu.fspCotAccepted());
    }

    // ---- messages the driver never sends, sent raw: the FSP refuses them as the hardware would ----

    /** A simulated GPU with BAR0 mapped, for raw FSP exchanges. */
    private record Raw(NvidiaGpu gpu, SimPciDevice dev, Devres<Bar> bar0) implements AutoCloseable {
        @Override
        public void close() {
            dev.releaseAll();
            assertEquals(0, dev.liveDma());
        }

        <T> T with(java.util.function.Function<Bar0, T> f) {
            try (Revocable.Guard<Bar> g = bar0.access()) {
                return f.apply(new Bar0(g.get()));
            }
        }
    }

    private Raw raw(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        dev.enableDeviceMem();
        dev.setMaster(); // the FSP reads the FMC image and the boot parameters by DMA
        return new Raw(gpu, dev, dev.iomapRegionSized(0, Bar0.SIZE, Bar0.NAME));
    }

    /** A correct COT for the trusted FMC, its image and boot parameters in the device's DMA memory. */
    private FspCot.Cot goodCot(Raw r, Chipset chip, long bootParams) throws IOException {
        Path f = tmp.resolve(FirmwareNames.path(chip, FmcFirmware.FILE, RELEASE));
        FmcFirmware fmc = FmcFirmware.parse("fmc", MemorySegment.ofArray(Files.readAllBytes(f)));
        DmaCoherent image = r.dev().allocCoherent(fmc.image().byteSize());
        MemorySegment.copy(fmc.image(), 0, image.memory(), 0, fmc.image().byteSize());
        FspGpuHal hal = (FspGpuHal) GpuHal.of(chip);
        return new FspCot.Cot(hal.cotVersion(), FspCot.PAYLOAD_SIZE, image.iova(), 0, 0, hal.frtsVidmemOffset(),
                1 << 20, fmc.hash(), fmc.publicKey(), fmc.signature(), bootParams);
    }

    private static FspCot.Response exchange(Raw r, byte[] msg) {
        return r.with(bar -> {
            FspFalcon f = new FspFalcon(bar);
            f.send(msg);
            return FspCot.Response.parse("reply", f.receive(FspCot.MESSAGE_SIZE));
        });
    }

    @Test
    void malformedMessagesGetTheFspsErrorReplyOrNone() throws IOException {
        Chipset chip = Chipset.GH100;
        try (Raw r = raw(chip)) {
            byte[] good = goodCot(r, chip, r.dev().allocCoherent(GspFmcBootParams.SIZE).iova()).toMessage();
            // wrong NVDM type: the FSP answers for the type it got, with an error
            byte[] wrongType = good.clone();
            MemorySegment.ofArray(wrongType).set(ValueLayout.JAVA_INT_UNALIGNED, Integer.BYTES,
                    Mctp.nvdmHeader(Mctp.NVDM_TYPE_FSP_RESPONSE));
            FspCot.Response resp = exchange(r, wrongType);
            assertEquals(Mctp.NVDM_TYPE_FSP_RESPONSE, resp.commandNvdmType());
            assertEquals(SimFsp.ERR_NVDM_TYPE, resp.errorCode());
            assertTrue(Mctp.nvdmValid(resp.nvdmHeader(), Mctp.NVDM_TYPE_FSP_RESPONSE));
            // another vendor
            byte[] wrongVendor = good.clone();
            MemorySegment.ofArray(wrongVendor).set(ValueLayout.JAVA_INT_UNALIGNED, Integer.BYTES,
                    Mctp.nvdmHeader(Mctp.NVDM_TYPE_COT) ^ 0x100);
            assertEquals(SimFsp.ERR_NVDM_TYPE, exchange(r, wrongVendor).errorCode());
            // truncated: a whole number of words, short of the payload
            assertEquals(SimFsp.ERR_SIZE, exchange(r, Arrays.copyOf(good, 600)).errorCode());
            // the size field lies
            byte[] badSize = good.clone();
            badSize[Mctp.HEADERS_SIZE + FspCot.SIZE_AT] ^= 4;
            assertEquals(SimFsp.ERR_SIZE, exchange(r, badSize).errorCode());
            // another chip's COT version
            byte[] badVersion = good.clone();
            badVersion[Mctp.HEADERS_SIZE + FspCot.VERSION_AT] = (byte) FspCot.COT_VERSION_GB100;
            assertEquals(SimFsp.ERR_VERSION, exchange(r, badVersion).errorCode());
            // FRTS where the FSP cannot carve it out
            byte[] badFrts = good.clone();
            badFrts[Mctp.HEADERS_SIZE + FspCot.FRTS_VIDMEM_OFFSET_AT] = 1;
            assertEquals(SimFsp.ERR_FRTS, exchange(r, badFrts).errorCode());
            // a multi-packet start (no EOM): the FSP waits for the rest and never answers
            byte[] noEom = good.clone();
            MemorySegment.ofArray(noEom).set(ValueLayout.JAVA_INT_UNALIGNED, 0, Mctp.MCTP_SOM);
            DriverException e = assertThrows(DriverException.class, () -> exchange(r, noEom));
            assertEquals(Errno.ETIMEDOUT, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("did not reply"), e.getMessage());
            // not a whole number of words: the driver refuses to send it
            DriverException odd = assertThrows(DriverException.class, () -> r.with(bar -> {
                new FspFalcon(bar).send(new byte[7]);
                return null;
            }));
            assertEquals(Errno.EINVAL, odd.errno());
            assertEquals(0, r.gpu().fspCotAccepted());
            assertFalse(r.gpu().gspRunning());
        }
    }

    @Test
    void gspFmcRefusesWrongBootParametersAndTheDriverSeesItsError() throws IOException {
        Chipset chip = Chipset.GB202;
        try (Raw r = raw(chip)) {
            DmaCoherent params = r.dev().allocCoherent(GspFmcBootParams.SIZE); // all zero: no targets, no WPR meta
            FspCot.Cot cot = goodCot(r, chip, params.iova());
            DriverException e = assertThrows(DriverException.class, () -> r.with(bar -> {
                Fsp fsp = Fsp.waitSecureBoot(bar, (FspGpuHal) GpuHal.of(chip));
                fsp.bootFmc(cot); // the FSP accepts: the chain of trust itself is right
                FspBoot.waitLockdownRelease(bar, params.iova());
                return null;
            }));
            assertEquals(Errno.EIO, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains(String.format("GSP-FMC boot failed (mailbox0 0x%x)",
                    SimFsp.FMC_ERR_BOOT_PARAMS)), e.getMessage());
            assertEquals(1, r.gpu().fspCotAccepted());
            assertFalse(r.gpu().gspRunning());
        }
    }

    @Test
    void aSecondChainOfTrustWhileGspRmRunsIsRefused() throws IOException {
        Chipset chip = Chipset.GH100;
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        Gpu g = probe(dev, fw);
        try (Revocable.Guard<Bar> guard = dev.iomapRegionSized(0, Bar0.SIZE, "second").access()) {
            Bar0 bar = new Bar0(guard.get());
            Path f = fw.resolve(FirmwareNames.path(chip, FmcFirmware.FILE, RELEASE));
            FmcFirmware fmc = FmcFirmware.parse("fmc", MemorySegment.ofArray(Files.readAllBytes(f)));
            DmaCoherent image = dev.allocCoherent(fmc.image().byteSize());
            MemorySegment.copy(fmc.image(), 0, image.memory(), 0, fmc.image().byteSize());
            FspCot.Cot cot = new FspCot.Cot(FspCot.COT_VERSION_GH100, FspCot.PAYLOAD_SIZE, image.iova(), 0, 0,
                    2L << 20, 1 << 20, fmc.hash(), fmc.publicKey(), fmc.signature(),
                    dev.allocCoherent(GspFmcBootParams.SIZE).iova());
            DriverException e = assertThrows(DriverException.class,
                    () -> Fsp.waitSecureBoot(bar, (FspGpuHal) GpuHal.of(chip)).bootFmc(cot));
            assertTrue(e.getMessage().contains(String.format("0x%x", SimFsp.ERR_GSP_RUNNING)), e.getMessage());
        } catch (DriverException e) {
            fail(e);
        }
        assertTrue(gpu.gspRunning(), "the refused COT left the running GSP-RM alone");
        unbind(dev, g);
    }

    /** The FSP path's boot steps, each a fault point of the probe. */
    private static final List<String> FSP_STEPS = List.of("FSP secure boot", "FSP chain of trust",
            "GSP lockdown release", "GSP RISC-V core active", "GSP boot commands", "GSP init done",
            "GSP static info", "vGPU support query");

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void everyProbeFailureUnloadsAndTheSameGpuProbesAgainWithoutAReset(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        List<String> failed = new ArrayList<>();
        for (int k = 1; k < 500; k++) {
            var failNth = dev.device().devres().failNth();
            failNth.set(k);
            Gpu g;
            try {
                g = probe(dev, fw);
            } catch (RuntimeException e) {
                String point = failNth.injected();
                assertNotNull(point, "probe failed with no fault injected: " + e.getMessage());
                dev.releaseAll();
                assertEquals(0, dev.liveDma(), "DMA left after the fault at " + point);
                assertFalse(gpu.gspRunning(), "GSP-RM left running after the fault at " + point);
                FSP_STEPS.stream().filter(s -> point.equals("GSP boot step " + s)).forEach(failed::add);
                continue;
            }
            failNth.set(0);
            assertEquals(FSP_STEPS, failed, "every step failed once, in boot order");
            assertTrue(gpu.gspRunning());
            unbind(dev, g);
            return;
        }
        fail("the probe never succeeded");
    }

    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB202"})
    void unloadThenProbeAgainAHundredTimes(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)));
        SimPciDevice dev = new SimPciDevice(gpu, SLOT);
        long[] nanos = new long[100];
        java.util.Map<String, Long> steps = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            Gpu g = probe(dev, fw);
            nanos[i] = System.nanoTime() - t0;
            g.bootTimes().forEach((k, v) -> steps.merge(k, v, Long::sum));
            assertTrue(gpu.gspRunning(), "round " + i);
            assertEquals(i + 1, gpu.fspCotAccepted(), "one COT per probe, no reset between");
            unbind(dev, g);
            assertFalse(gpu.gspRunning(), "round " + i);
        }
        Arrays.sort(nanos);
        long total = steps.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder share = new StringBuilder();
        steps.forEach((k, v) -> share.append(String.format("%s %.0f%%, ", k, 100.0 * v / total)));
        System.out.printf("FSP boot %s: median of 100 probes %.1f ms; steps: %s%n", chip,
                nanos[nanos.length / 2] / 1e6, share);
    }

    @Test
    void novaFwDescribesTheFmcsChainOfTrustSections() {
        String name = FirmwareNames.path(Chipset.GB202, FmcFirmware.FILE, RELEASE);
        byte[] fmc = GpuFirmwareGenerator.files(Chipset.GB202, RELEASE).get(name);
        String text = org.nova.gpu.internal.shell.NovaCommands.describe(name, MemorySegment.ofArray(fmc));
        assertTrue(text.contains("FMC firmware") && text.contains("hash           48 bytes"), text);
        assertTrue(text.contains("publickey      384 bytes"), text);
    }

    @Test
    void cotAndResponseBytesRoundTrip() {
        byte[] h = new byte[FmcFirmware.HASH_SIZE];
        h[0] = 7;
        FspCot.Cot c = new FspCot.Cot(2, FspCot.PAYLOAD_SIZE, 0x1000, 0, 0, 28L << 20, 1 << 20, h,
                new byte[FmcFirmware.PUBLIC_KEY_SIZE], new byte[FmcFirmware.SIGNATURE_SIZE], 0x2000);
        byte[] m = c.toMessage();
        assertEquals(868, m.length);
        FspCot.Cot back = FspCot.Cot.parsePayload("t", Arrays.copyOfRange(m, Mctp.HEADERS_SIZE, m.length));
        assertEquals(c.gspBootArgsSysmemOffset(), back.gspBootArgsSysmemOffset());
        assertEquals(c.frtsVidmemOffset(), back.frtsVidmemOffset());
        assertArrayEquals(h, back.hash());
    }
}
