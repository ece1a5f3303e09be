package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.GpuInfo;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.regs.Pfb;

/**
 * Issue 18 items 1 and 8: the boot parameters nova-core computes, per chip, against upstream's
 * rules written out again here (fb.rs, fb/hal/*.rs, gsp/fw.rs LibosParams, gsp/fw/commands.rs,
 * vgpu.rs), and the simulated GPU refusing each one when it is wrong: the probe fails with a clear
 * error, releases everything, and the same GPU boots again without a reset.
 */
class BootParamsTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @TempDir
    Path tmp;

    @AfterEach
    void untamper() {
        BootTamper.clear();
    }

    // ---- the layout, against the rules written out again -------------------------------------------

    private static GpuHal hal(Chipset chip) {
        return GpuHal.of(chip);
    }

    /** gsp/fw.rs wpr_heap_size, spelled out: carve-out + 8 MiB + 96 MiB + 96 KiB per GiB (MiB-rounded), clamped. */
    private static long expectedHeap(Chipset chip, long fb) {
        boolean libos2 = chip.architecture() == org.nova.nvidia.Architecture.TURING || chip == Chipset.GA100;
        long carveout = libos2 ? 0 : 22 * MIB;
        long gib = (fb + GIB - 1) / GIB;
        long perGib = (96 * 1024 * gib + MIB - 1) / MIB * MIB;
        long sum = carveout + 8 * MIB + 96 * MIB + perGib;
        long min = (libos2 ? 64 : 88) * MIB;
        long max = (libos2 ? 256 : 280) * MIB - 1;
        return Math.max(min, Math.min(max, sum));
    }

    static Stream<Arguments> chipsAndSizes() {
        return Stream.of(Chipset.TU102, Chipset.GA100, Chipset.GA102, Chipset.AD102)
                .flatMap(c -> Stream.of(8 * GIB, 48 * GIB, 2048 * GIB).map(fb -> Arguments.of(c, fb)));
    }

    @ParameterizedTest
    @MethodSource("chipsAndSizes")
    void layoutFollowsUpstreamsRulesPerChip(Chipset chip, long fb) {
        long vga = fb - MIB; // the display's workspace at the PRAMIN window
        long bl = 0x3456;
        long elf = 0x2a_1234;
        FbLayout l = FbLayout.compute(hal(chip), fb, vga, bl, elf, false);
        long frts = chip == Chipset.GA100 ? 0 : MIB;
        long top = vga & -(128 * 1024);
        assertEquals(top, l.frtsEnd(), "FRTS ends at the VGA workspace aligned down to 128 KiB");
        assertEquals(top - frts, l.frtsStart(), chip + ": FRTS of " + frts);
        assertEquals(top, l.wprEnd(), "gspFwWprEnd is the VGA workspace aligned down to 128 KiB");
        assertEquals((top - frts - bl) & -4096, l.bootStart());
        assertEquals((l.bootStart() - elf) & -(64 * 1024), l.elfStart());
        long heap = expectedHeap(chip, fb);
        assertEquals((l.elfStart() - heap) & -MIB, l.wpr2HeapStart(), chip + " " + fb / GIB + " GiB: heap " + heap);
        assertEquals(l.elfStart() & -MIB, l.wpr2HeapEnd());
        assertEquals((l.wpr2HeapStart() - 256) & -MIB, l.wpr2Start());
        assertEquals(l.wpr2Start() - MIB, l.heapStart(), "1 MiB non-WPR heap");
        assertEquals(0, l.pmuReservedSize());
        assertEquals(0, l.vfPartitionCount());
    }

    @Test
    void heapSizingClampsAndCounts() {
        // the rule's own numbers: LibOS 2 at 11 GiB is 8 + 96 + 2 (1056 KiB rounded up) MiB
        assertEquals(106 * MIB, FbLayout.wprHeapSize(hal(Chipset.TU102).libos(), 11 * GIB));
        // LibOS 3 at 24 GiB: 22 + 8 + 96 + 3 (2304 KiB) MiB
        assertEquals(129 * MIB, FbLayout.wprHeapSize(hal(Chipset.AD102).libos(), 24 * GIB));
        // at 2 TiB both clamp to one byte below their maximum
        assertEquals(256 * MIB - 1, FbLayout.wprHeapSize(hal(Chipset.GA100).libos(), 2048 * GIB));
        assertEquals(280 * MIB - 1, FbLayout.wprHeapSize(hal(Chipset.GA102).libos(), 2048 * GIB));
    }

    @Test
    void vgpuReservesTheVgpuHeapAndItsPartitions() {
        long fb = 24 * GIB;
        FbLayout l = FbLayout.compute(hal(Chipset.AD102), fb, fb - MIB, 0x3000, 0x10_0000, true);
        assertEquals((l.elfStart() - 581 * MIB) & -MIB, l.wpr2HeapStart(), "581 MiB vGPU heap");
        assertEquals(32, l.vfPartitionCount());
    }

    @Test
    void wprMetaCarriesEveryField() {
        long fb = 24 * GIB;
        FbLayout l = FbLayout.compute(hal(Chipset.AD102), fb, fb - MIB, 0x3000, 0x10_0000, true);
        var meta = java.lang.foreign.MemorySegment.ofArray(new byte[org.nova.nvidia.gsp.GspFwWprMeta.SIZE]);
        WprMetaWriter.write(meta, l, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        assertEquals(32, org.nova.nvidia.gsp.GspFwWprMeta.getU8(meta, 0xf0));
        assertEquals(0, org.nova.nvidia.gsp.GspFwWprMeta.getU32(meta, 0xf4));
        assertEquals(l.wprEnd(), org.nova.nvidia.gsp.GspFwWprMeta.get(meta, 0xa8));
        assertEquals(l.wpr2HeapEnd() - l.wpr2HeapStart(), org.nova.nvidia.gsp.GspFwWprMeta.get(meta, 0x80));
        assertEquals(MIB, org.nova.nvidia.gsp.GspFwWprMeta.get(meta, 0x68), "nonWprHeapSize");
    }

    // ---- the vGPU decision and the registry ------------------------------------------------------

    @Test
    void vgpuDecisionPerChipAndTotalVfs() {
        for (Chipset c : List.of(Chipset.TU102, Chipset.GA100, Chipset.GA102)) {
            for (int vfs : new int[] {0, 1, 2, 4, 32}) {
                VgpuSupport.Decision d = VgpuSupport.decide(c, vfs);
                assertFalse(d.enabled(), c + " with " + vfs);
                assertTrue(d.reason().contains("does not support vGPU"), d.reason());
            }
        }
        assertFalse(VgpuSupport.decide(Chipset.AD102, 0).enabled());
        assertTrue(VgpuSupport.decide(Chipset.AD102, 0).reason().contains("no SR-IOV"));
        VgpuSupport.Decision one = VgpuSupport.decide(Chipset.AD102, 1);
        assertFalse(one.enabled(), "one VF: off");
        assertTrue(one.reason().contains("at least 2"), one.reason());
        assertTrue(VgpuSupport.decide(Chipset.AD102, 2).enabled());
        assertTrue(VgpuSupport.decide(Chipset.AD104, 4).enabled());
        assertTrue(VgpuSupport.chipSupportsVgpu(Chipset.GB202), "vgpu/hal/gb202.rs");
        assertFalse(VgpuSupport.chipSupportsVgpu(Chipset.GH100), "vgpu/hal/tu102.rs covers Hopper");
    }

    @Test
    void registryAddsSriovModeOnlyWithVgpu() {
        assertEquals(List.of("RMSecBusResetEnable", "RMForcePcieConfigSave", "RMDevidCheckIgnore"),
                List.copyOf(Commands.bootRegistry(false).keySet()));
        Map<String, Integer> on = Commands.bootRegistry(true);
        assertEquals(List.of("RMSecBusResetEnable", "RMForcePcieConfigSave", "RMDevidCheckIgnore", "RMSetSriovMode"),
                List.copyOf(on.keySet()));
        assertTrue(on.values().stream().allMatch(v -> v == 1));
    }

    @Test
    void systemInfoRoutingIdHasNoDomain() {
        assertEquals(0x0528, Commands.devId(org.nova.hw.pci.PciAddress.parse("0003:05:05.0")));
        assertEquals(0x3_0528, Commands.domainBusDeviceFunc(org.nova.hw.pci.PciAddress.parse("0003:05:05.0")),
                "a vGPU plugin's dbdf keeps it");
    }

    @Test
    void flushRegisterPerArchitecture() {
        for (Chipset chip : List.of(Chipset.TU102, Chipset.GA102, Chipset.GH100, Chipset.GB100, Chipset.GB202)) {
            NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(tmp)));
            SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
            dev.enableDeviceMem();
            dev.setMaster();
            var b = dev.iomapRegionSized(0, Bar0.SIZE, Bar0.NAME);
            try (var g = b.access()) {
                Bar0 bar = new Bar0(g.get());
                GpuHal hal = GpuHal.of(chip);
                long high = 0x12L << 40 | 0x3456_7800L;
                if (chip == Chipset.TU102) {
                    // bits above 39 do not fit NV_PFB_NISO_FLUSH_SYSMEM_ADDR (fb/hal/tu102.rs: EINVAL)
                    DriverException e = assertThrows(DriverException.class, () -> hal.writeSysmemFlushPage(bar, high));
                    assertEquals(Errno.EINVAL, e.errno());
                    assertEquals(0, hal.readSysmemFlushPage(bar), "nothing written");
                } else if (hal instanceof FspGpuHal f) {
                    // Hopper and Blackwell: 52 address bits (fb/hal/gh100.rs Bounded<u64, 52>: EINVAL above)
                    DriverException e = assertThrows(DriverException.class, () -> hal.writeSysmemFlushPage(bar, 1L << 52));
                    assertEquals(Errno.EINVAL, e.errno());
                    assertEquals(0, hal.readSysmemFlushPage(bar), "nothing written");
                    long at = 0xf_ffffL << 32 | 0x3456_7800L;
                    hal.writeSysmemFlushPage(bar, at);
                    assertEquals(at, hal.readSysmemFlushPage(bar), "the raw address in LO/HI halves");
                    for (var p : f.flushPairs()) { // GB10x: the egress pair holds the same page
                        assertEquals(0x3456_7800L, gpu.read(p.lo().address(), Integer.BYTES), p.lo().name());
                        assertEquals(0xf_ffffL, gpu.read(p.hi().address(), Integer.BYTES), p.hi().name());
                    }
                    // the NISO register is not the flush register there: a write to it flushes nothing
                    hal.writeSysmemFlushPage(bar, 0);
                    bar.write(Pfb.NISO_FLUSH_SYSMEM_ADDR, 0x1234);
                    assertEquals(0, hal.readSysmemFlushPage(bar));
                } else {
                    hal.writeSysmemFlushPage(bar, high);
                    assertEquals(high, hal.readSysmemFlushPage(bar), "the high register holds bits 63:40");
                    hal.writeSysmemFlushPage(bar, 0);
                }
                SysmemFlush page = SysmemFlush.register(dev, bar, hal);
                assertEquals(page.address(), hal.readSysmemFlushPage(bar));
                // another page registered since: unregister leaves it (fb.rs warns, it is a bug)
                hal.writeSysmemFlushPage(bar, page.address() + 4096);
                page.unregister(bar);
                assertEquals(page.address() + 4096, hal.readSysmemFlushPage(bar));
                hal.writeSysmemFlushPage(bar, page.address());
                page.unregister(bar);
                assertEquals(0, hal.readSysmemFlushPage(bar));
            } finally {
                dev.releaseAll();
            }
            assertEquals(0, dev.liveDma(), "the page is a device resource");
        }
    }

    // ---- booting, and the simulated GPU refusing each wrong value ----------------------------------

    /** A probe's outcome. */
    private record Run(SimPciDevice dev, Gpu driver, DriverException error) {
    }

    private static Run probe(NvidiaGpu gpu, Path fw) {
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        try {
            return new Run(dev, Gpu.probe(dev, new DirFirmwareLoader(fw)), null);
        } catch (DriverException e) {
            dev.releaseAll();
            return new Run(dev, null, e);
        }
    }

    /**
     * @return the flush page address the chip's registers hold (fb/hal: NISO LO/HI to Ada, the first
     *     FBHUB/HSHUB pair from Hopper), read from the simulated GPU's side
     */
    private static long flushRegister(NvidiaGpu gpu) {
        GpuHal hal = GpuHal.of(gpu.options().chipset());
        if (hal instanceof FspGpuHal f) {
            var p = f.flushPairs().get(0);
            return Integer.toUnsignedLong((int) gpu.read(p.lo().address(), Integer.BYTES))
                    | gpu.read(p.hi().address(), Integer.BYTES) << Integer.SIZE;
        }
        long a = Integer.toUnsignedLong((int) gpu.read(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), Integer.BYTES))
                << Pfb.FLUSH_SYSMEM_ADDR_SHIFT;
        return gpu.options().chipset().compareTo(Chipset.GA100) >= 0
                ? a | gpu.read(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address(), Integer.BYTES) << Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI
                : a;
    }

    /** Boots, checks what GSP-RM was given, unbinds; the flush page is registered only while bound. */
    private static Gpu bootCheckUnbind(NvidiaGpu gpu, Path fw, boolean vgpu) {
        Run r = probe(gpu, fw);
        if (r.error() != null) {
            fail(gpu.options().chipset() + " did not boot: " + r.error().getMessage(), r.error());
        }
        assertEquals(GpuInfo.BootState.GSP_STARTED, r.driver().info().state());
        assertNotEquals(0, flushRegister(gpu), "the sysmem flush page is registered while bound");
        assertEquals(vgpu, r.driver().vgpuDecision().enabled(), r.driver().vgpuDecision().reason());
        assertEquals(vgpu, gpu.gspRegistry().containsKey("RMSetSriovMode"), gpu.gspRegistry().toString());
        assertEquals(vgpu, gpu.sriovMode());
        assertEquals(vgpu, r.driver().vgpuSupported(), "vGPU types offered iff GSP-RM runs in SR-IOV mode");
        r.driver().unbind();
        assertEquals(0, flushRegister(gpu), "unbind unregisters the sysmem flush page");
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveResources());
        assertEquals(0, r.dev().liveDma());
        return r.driver();
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102", "GH100", "GB100", "GB202"})
    void bootsWithUpstreamsParameters(Chipset chip) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        bootCheckUnbind(new NvidiaGpu(GpuOptions.of(chip, List.of(fw))), fw, chip == Chipset.AD102);
    }

    @Test
    void ad102VgpuFollowsTotalVfs() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.AD102, tmp);
        for (int vfs : new int[] {0, 1, 2, 4}) {
            NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)).withTotalVfs(vfs));
            bootCheckUnbind(gpu, fw, vfs >= 2);
        }
        // vGPU off: a client asking for it is told why
        NvidiaGpu bare = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)).withTotalVfs(1));
        Run r = probe(bare, fw);
        assertNull(r.error());
        DriverException e = assertThrows(DriverException.class, () -> r.driver().openVgpu("test", null));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().contains("vGPU is off") && e.getMessage().contains("at least 2"), e.getMessage());
        r.driver().unbind();
        r.dev().releaseAll();
    }

    /** One wrong boot parameter: how it is made wrong, and what the failed probe must say. */
    private record Wrong(String name, Runnable tamper, Errno errno, String fragment) {
        Wrong {
            java.util.Objects.requireNonNull(errno);
            java.util.Objects.requireNonNull(fragment);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> wrongParameters() {
        List<Wrong> wrongs = List.of(
                new Wrong("no sysmem flush page", () -> BootTamper.skipSysmemFlush = true, Errno.ETIMEDOUT,
                        "scrubbing"),
                new Wrong("BAR0 address", () -> BootTamper.systemInfo = (si, p) ->
                        si.gpuPhysAddr(p, 0, si.gpuPhysAddr(p, 0) + 0x100_0000), Errno.ENODEV, "GSP-RM stopped"),
                new Wrong("BAR1 address 0", () -> BootTamper.systemInfo = (si, p) -> si.gpuPhysFbAddr(p, 0, 0), Errno.ENODEV,
                        "GSP-RM stopped"),
                new Wrong("maxUserVa (1 << 47) - 1", () -> BootTamper.systemInfo = (si, p) ->
                        si.maxUserVa(p, 0, (1L << 47) - 1), Errno.ENODEV, "GSP-RM stopped"),
                new Wrong("nvDomainBusDeviceFunc with a domain", () -> BootTamper.systemInfo = (si, p) ->
                        si.nvDomainBusDeviceFunc(p, 0, 1L << 16 | si.nvDomainBusDeviceFunc(p, 0)), Errno.ENODEV, "GSP-RM stopped"),
                new Wrong("PCI config mirror", () -> BootTamper.systemInfo = (si, p) ->
                        si.pciConfigMirrorBase(p, 0, 0), Errno.ENODEV, "GSP-RM stopped"),
                new Wrong("WPR2 heap 1 MiB larger", () -> BootTamper.layout = l -> with(l, l.wpr2HeapStart() - MIB,
                        l.heapStart(), l.pmuReservedSize(), l.vfPartitionCount()), Errno.ENODEV, "booter"),
                new Wrong("non-WPR heap of 2 MiB", () -> BootTamper.layout = l -> with(l, l.wpr2HeapStart(),
                        l.heapStart() - MIB, l.pmuReservedSize(), l.vfPartitionCount()), Errno.ENODEV, "booter"),
                new Wrong("PMU reservation", () -> BootTamper.layout = l -> with(l, l.wpr2HeapStart(), l.heapStart(),
                        MIB, l.vfPartitionCount()), Errno.ENODEV, "booter"),
                new Wrong("no RMDevidCheckIgnore", () -> BootTamper.registry = m -> without(m, "RMDevidCheckIgnore"),
                        Errno.ENODEV, "GSP-RM stopped"));
        return Stream.of(Chipset.TU102, Chipset.GA102, Chipset.AD102)
                .flatMap(c -> wrongs.stream().map(w -> Arguments.of(c, w)));
    }

    private static FbLayout with(FbLayout l, long wpr2HeapStart, long heapStart, long pmu, int partitions) {
        return new FbLayout(l.fbSize(), l.vgaStart(), l.frtsStart(), l.frtsEnd(), l.bootStart(), l.elfStart(),
                l.elfEnd(), wpr2HeapStart, l.wpr2HeapEnd(), l.wpr2Start(), heapStart, l.wprEnd(), pmu, partitions);
    }

    private static Map<String, Integer> without(Map<String, Integer> m, String key) {
        Map<String, Integer> out = new LinkedHashMap<>(m);
        out.remove(key);
        return out;
    }

    private static Map<String, Integer> with(Map<String, Integer> m, String key) {
        Map<String, Integer> out = new LinkedHashMap<>(m);
        out.put(key, 1);
        return out;
    }

    /**
     * The wrong value makes the simulated GPU refuse: the probe fails with the errno and message
     * the refusal produces (ETIMEDOUT for a falcon reset that never completes, ENODEV for the
     * booter's refusal or GSP-RM stopping its init), releases everything, leaves no flush page
     * and no running GSP, and the same GPU boots again without a reset.
     */
    private void refusedThenBoots(Chipset chip, Wrong w, Path fw, NvidiaGpu gpu, boolean vgpu) {
        w.tamper().run();
        Run r = probe(gpu, fw);
        BootTamper.clear();
        assertNotNull(r.error(), w + ": the simulated " + chip + " should have refused");
        assertEquals(w.errno(), r.error().errno(), r.error().getMessage());
        assertTrue(r.error().getMessage().contains(w.fragment()), "'" + r.error().getMessage() + "' should name "
                + w.fragment());
        assertEquals(0, r.dev().liveResources(), w + ": devres left");
        assertEquals(0, r.dev().liveDma(), w + ": DMA left");
        assertFalse(gpu.gspRunning(), w + ": GSP-RM still runs");
        assertEquals(0, flushRegister(gpu), w + ": the failed probe left its flush page registered");
        bootCheckUnbind(gpu, fw, vgpu);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("wrongParameters")
    void eachWrongParameterIsRefusedAndReprobeBoots(Chipset chip, Wrong w) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp);
        refusedThenBoots(chip, w, fw, new NvidiaGpu(GpuOptions.of(chip, List.of(fw))), chip == Chipset.AD102);
    }

    @Test
    void sriovModeOnAGpuWithoutSriovIsRefused() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        refusedThenBoots(Chipset.GA102, new Wrong("extra RMSetSriovMode", () -> BootTamper.registry = m ->
                with(m, "RMSetSriovMode"), Errno.ENODEV, "GSP-RM stopped"), fw, new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw))),
                false);
    }

    @Test
    void vfPartitionsOnAGpuWithoutSriovAreRefused() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.GA102, tmp);
        refusedThenBoots(Chipset.GA102, new Wrong("VF partitions", () -> BootTamper.layout = l -> with(l,
                l.wpr2HeapStart(), l.heapStart(), l.pmuReservedSize(), 32), Errno.ENODEV, "booter"), fw,
                new NvidiaGpu(GpuOptions.of(Chipset.GA102, List.of(fw))), false);
    }

    @Test
    void vgpuWithoutItsHeapIsRefused() {
        // AD102 with VFs, SR-IOV mode asked for, but the bare-metal heap without VF partitions
        Path fw = GpuFirmwareGenerator.generate(Chipset.AD102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)));
        refusedThenBoots(Chipset.AD102, new Wrong("RMSetSriovMode without the vGPU heap", () -> BootTamper.layout =
                l -> FbLayout.compute(GpuHal.of(Chipset.AD102), l.fbSize(), l.vgaStart(), bootloaderSize(l),
                        l.elfEnd() - l.elfStart(), false),
                Errno.ENODEV, "GSP-RM stopped"), fw, gpu, true);
    }

    /** The bootloader size that put the bootloader where it is (at most 4 KiB rounding: the same placement). */
    private static long bootloaderSize(FbLayout l) {
        return l.frtsStart() - l.bootStart();
    }

    @Test
    void vgpuWithoutSriovModeOffersNoTypes() {
        Path fw = GpuFirmwareGenerator.generate(Chipset.AD102, tmp);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of(fw)));
        BootTamper.registry = m -> without(m, "RMSetSriovMode");
        Run r = probe(gpu, fw);
        BootTamper.clear();
        assertNull(r.error(), "GSP-RM boots bare-metal in the larger heap");
        assertFalse(gpu.sriovMode());
        assertFalse(r.driver().vgpuSupported(), "no SR-IOV mode: GSP-RM offers no vGPU types");
        DriverException e = assertThrows(DriverException.class, () -> r.driver().openVgpu("test", null));
        assertEquals(Errno.ENODEV, e.errno());
        r.driver().unbind();
        r.dev().releaseAll();
    }
}
