package org.nova.hw.sim.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspSystemInfo;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Register;

/**
 * What the simulated GPU checks of nova-core's boot parameters, driven register by register and
 * structure by structure: the sysmem flush page a falcon reset needs, the WPR layout the booter
 * computes itself, SetSystemInfo and the registry GSP-RM reads.
 */
class SimBootParamsTest {
    private static final long MIB = 1L << 20;
    /** Where the test's host memory is (any page inside is DMA-able). */
    private static final long HOST_BASE = 0x1_0000_0000L;
    private static final long HOST_SIZE = 16 * 4096;
    /** A second window above 1 TiB: only GA100 and later can name it (NISO_FLUSH_SYSMEM_ADDR_HI). */
    private static final long HIGH_BASE = 1L << 40;

    /** A platform with one window of host memory, BAR0 at 0xfd000000, BAR1 at 0x38_0000_0000, no BAR3. */
    private static NvidiaGpu started(GpuOptions o) {
        NvidiaGpu g = new NvidiaGpu(o);
        g.start(new GpuHost() {
            @Override
            public boolean dmaRead(long iova, MemorySegment dst) {
                return iova >= HOST_BASE && iova + dst.byteSize() <= HOST_BASE + HOST_SIZE
                        || iova >= HIGH_BASE && iova + dst.byteSize() <= HIGH_BASE + HOST_SIZE;
            }

            @Override
            public boolean dmaWrite(long iova, MemorySegment src) {
                return dmaRead(iova, src);
            }

            @Override
            public long barAddress(int bar) {
                return bar == 0 ? 0xfd00_0000L : bar == 1 ? 0x38_0000_0000L : 0;
            }

            @Override
            public int routingId() {
                return 0x28;
            }
        });
        return g;
    }

    private static NvidiaGpu gpu(Chipset c) {
        return started(GpuOptions.of(c, List.of()));
    }

    private static int scrubbing(NvidiaGpu g) {
        return (int) g.read(FalconEngine.GSP.base() + Pfalcon.HWCFG2.offset(), 4)
                & Pfalcon.HWCFG2_MEM_SCRUBBING.mask();
    }

    private static void resetGsp(NvidiaGpu g) {
        int engine = FalconEngine.GSP.base() + Pfalcon.ENGINE.offset();
        g.write(engine, 4, Pfalcon.ENGINE_RESET.of(1));
        g.write(engine, 4, 0);
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void aFalconResetCompletesOnlyWithAReachableFlushPage(Chipset c) {
        NvidiaGpu g = gpu(c);
        resetGsp(g);
        assertTrue(scrubbing(g) != 0, c + ": no flush page, the reset acknowledgement never lands");
        // a page the IOMMU refuses
        g.write(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), 4, (int) (0x2000_0000L >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT));
        resetGsp(g);
        assertTrue(scrubbing(g) != 0, c + ": a page outside the device's DMA memory does not count");
        boolean hi = c.compareTo(Chipset.GA100) >= 0;
        long page = (hi ? HIGH_BASE : HOST_BASE) + 4096;
        if (hi) {
            g.write(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address(), 4, (int) (page >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI));
        }
        g.write(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), 4, (int) (page >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT));
        resetGsp(g);
        assertEquals(0, scrubbing(g), c + ": with the page registered the reset completes");
        assertEquals(hi ? 1 : 0, (int) g.read(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address(), 4),
                "the high register exists from GA100 on");
        g.reset();
        assertEquals(0, (int) g.read(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), 4), "a reset clears the page");
    }

    /** Hopper and Blackwell flush through their own LO/HI pairs (fb/hal/{gh100,gb100,gb202}.rs). */
    @ParameterizedTest
    @EnumSource(names = {"GH100", "GB100", "GB202"})
    void fromHopperOnOnlyTheChipsOwnFlushRegistersCount(Chipset c) {
        NvidiaGpu g = gpu(c);
        long page = HIGH_BASE + 4096;
        // Ampere's registers: not the flush register there
        g.write(Pfb.NISO_FLUSH_SYSMEM_ADDR_HI.address(), 4, (int) (page >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT_HI));
        g.write(Pfb.NISO_FLUSH_SYSMEM_ADDR.address(), 4, (int) (page >>> Pfb.FLUSH_SYSMEM_ADDR_SHIFT));
        resetGsp(g);
        assertTrue(scrubbing(g) != 0, c + ": the NISO registers flush nothing from Hopper on");
        List<Register[]> pairs = switch (c) {
            case GH100 -> List.<Register[]>of(new Register[] {Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_LO,
                Pfb.FBHUB_PCIE_FLUSH_SYSMEM_ADDR_HI});
            case GB100 -> List.of(new Register[] {Pfb.HSHUB_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100,
                Pfb.HSHUB_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100}, new Register[] {Pfb.HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_LO_GB100,
                Pfb.HSHUB_EG_PCIE_FLUSH_SYSMEM_ADDR_HI_GB100});
            default -> List.<Register[]>of(new Register[] {Pfb.FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_LO_GB202,
                Pfb.FBHUB0_PCIE_FLUSH_SYSMEM_ADDR_HI_GB202});
        };
        for (int i = 0; i < pairs.size(); i++) {
            if (i > 0) {
                resetGsp(g);
                assertTrue(scrubbing(g) != 0, c + ": the egress pair does not hold the page yet");
            }
            // the raw address in halves, HI first; bits 7:0 of LO are ignored
            g.write(pairs.get(i)[1].address(), 4, (int) (page >>> Integer.SIZE));
            g.write(pairs.get(i)[0].address(), 4, (int) page | 0x5a);
        }
        resetGsp(g);
        assertEquals(0, scrubbing(g), c + ": with the page in the chip's registers the reset completes");
        g.reset();
        assertEquals(0, (int) g.read(pairs.get(0)[0].address(), 4), "a reset clears the page");
    }

    /** Metadata as the rules put it, for a chip, framebuffer, bootloader and image size. */
    private static MemorySegment meta(Chipset c, long fb, long bl, long elf, boolean vgpu) {
        long vga = fb - MIB;
        long heap = vgpu ? 581 * MIB : SimWprLayout.bareMetalHeap(c, fb);
        long end = vga & -(128 * 1024);
        long frts = end - (c == Chipset.GA100 ? 0 : MIB);
        long boot = (frts - bl) & -4096;
        long image = (boot - elf) & -(64 * 1024);
        long heapStart = (image - heap) & -MIB;
        long wpr = (heapStart - 256) & -MIB;
        MemorySegment m = MemorySegment.ofArray(new byte[GspFwWprMeta.SIZE]);
        GspFwWprMeta.putHeader(m);
        GspFwWprMeta.put(m, GspFwWprMeta.FB_SIZE, fb);
        GspFwWprMeta.put(m, GspFwWprMeta.VGA_WORKSPACE_OFFSET, vga);
        GspFwWprMeta.put(m, GspFwWprMeta.VGA_WORKSPACE_SIZE, MIB);
        GspFwWprMeta.put(m, GspFwWprMeta.GSP_FW_WPR_END, end);
        GspFwWprMeta.put(m, GspFwWprMeta.FRTS_OFFSET, frts);
        GspFwWprMeta.put(m, GspFwWprMeta.FRTS_SIZE, end - frts);
        GspFwWprMeta.put(m, GspFwWprMeta.BOOT_BIN_OFFSET, boot);
        GspFwWprMeta.put(m, GspFwWprMeta.GSP_FW_OFFSET, image);
        GspFwWprMeta.put(m, GspFwWprMeta.GSP_FW_HEAP_OFFSET, heapStart);
        GspFwWprMeta.put(m, GspFwWprMeta.GSP_FW_HEAP_SIZE, (image & -MIB) - heapStart);
        GspFwWprMeta.put(m, GspFwWprMeta.GSP_FW_WPR_START, wpr);
        GspFwWprMeta.put(m, GspFwWprMeta.NON_WPR_HEAP_OFFSET, wpr - MIB);
        GspFwWprMeta.put(m, GspFwWprMeta.NON_WPR_HEAP_SIZE, MIB);
        GspFwWprMeta.put(m, GspFwWprMeta.GSP_FW_RSVD_START, wpr - MIB);
        GspFwWprMeta.putU8(m, GspFwWprMeta.GSP_FW_HEAP_VF_PARTITION_COUNT, vgpu ? 32 : 0);
        return m;
    }

    @ParameterizedTest
    @EnumSource(names = {"TU102", "GA100", "GA102", "AD102"})
    void theBooterComputesTheLayoutItself(Chipset c) {
        NvidiaGpu g = gpu(c);
        long fb = GpuOptions.defaultFbMiB(c) * MIB;
        long bl = 0x2345;
        long elf = 0x1f_0123;
        assertNull(SimWprLayout.check(g, meta(c, fb, bl, elf, false), fb, fb - MIB, bl, elf));
        // each field off by what a wrong driver would write
        MemorySegment heap = meta(c, fb, bl, elf, false);
        GspFwWprMeta.put(heap, GspFwWprMeta.GSP_FW_HEAP_SIZE, GspFwWprMeta.get(heap, GspFwWprMeta.GSP_FW_HEAP_SIZE)
                + MIB);
        assertTrue(SimWprLayout.check(g, heap, fb, fb - MIB, bl, elf).startsWith("gspFwHeapSize"));
        MemorySegment end = meta(c, fb, bl, elf, false);
        GspFwWprMeta.put(end, GspFwWprMeta.GSP_FW_WPR_END, fb - MIB + 4096);
        assertTrue(SimWprLayout.check(g, end, fb, fb - MIB, bl, elf).startsWith("gspFwWprEnd"));
        MemorySegment nonWpr = meta(c, fb, bl, elf, false);
        GspFwWprMeta.put(nonWpr, GspFwWprMeta.NON_WPR_HEAP_SIZE, 2 * MIB);
        assertTrue(SimWprLayout.check(g, nonWpr, fb, fb - MIB, bl, elf).startsWith("nonWprHeapSize"));
        MemorySegment pmu = meta(c, fb, bl, elf, false);
        GspFwWprMeta.putU32(pmu, GspFwWprMeta.PMU_RESERVED_SIZE, (int) MIB);
        assertTrue(SimWprLayout.check(g, pmu, fb, fb - MIB, bl, elf).startsWith("pmuReservedSize"));
        // the vGPU heap: only on the chip whose GSP-RM runs vGPU, with SR-IOV
        String vgpu = SimWprLayout.check(g, meta(c, fb, bl, elf, true), fb, fb - MIB, bl, elf);
        if (c == Chipset.AD102) {
            assertNull(vgpu);
            NvidiaGpu noVfs = started(GpuOptions.of(c, List.of()).withTotalVfs(0));
            assertTrue(SimWprLayout.check(noVfs, meta(c, fb, bl, elf, true), fb, fb - MIB, bl, elf)
                    .contains("no SR-IOV vGPU"));
        } else {
            assertTrue(vgpu.contains("no SR-IOV vGPU"), vgpu);
        }
    }

    @Test
    void heapSizingPerLibos() {
        assertEquals(106 * MIB, SimWprLayout.bareMetalHeap(Chipset.TU102, 11L << 30));
        assertEquals(106 * MIB, SimWprLayout.bareMetalHeap(Chipset.GA100, 11L << 30), "GA100 runs LibOS 2");
        assertEquals(129 * MIB, SimWprLayout.bareMetalHeap(Chipset.AD102, 24L << 30));
        assertEquals(280 * MIB - 1, SimWprLayout.bareMetalHeap(Chipset.GA102, 2048L << 30));
        assertEquals(0, SimWprLayout.frtsSize(Chipset.GA100));
        assertEquals(MIB, SimWprLayout.frtsSize(Chipset.AD102));
    }

    private static byte[] systemInfo(GspBindings abi) {
        GspSystemInfo si = abi.GspSystemInfo();
        byte[] p = new byte[si.size()];
        si.gpuPhysAddr(p, 0, 0xfd00_0000L);
        si.gpuPhysFbAddr(p, 0, 0x38_0000_0000L);
        si.gpuPhysInstAddr(p, 0, 0);
        si.nvDomainBusDeviceFunc(p, 0, 0x28);
        si.maxUserVa(p, 0, (1L << 47) - 4096);
        si.pciConfigMirrorBase(p, 0, 0x88000);
        si.pciConfigMirrorSize(p, 0, 0x1000);
        return p;
    }

    @Test
    void systemInfoMustDescribeThisFunction() {
        NvidiaGpu g = gpu(Chipset.GA102);
        for (GspAbi release : GspAbi.all()) {
            GspBindings abi = GspBindings.of(release.version()).orElseThrow();
            GspSystemInfo si = abi.GspSystemInfo();
            assertNull(SimBootParams.checkSystemInfo(g, abi, systemInfo(abi)), release.version());
            byte[] p = systemInfo(abi);
            si.gpuPhysInstAddr(p, 0, 0xfc00_0000L);
            assertTrue(SimBootParams.checkSystemInfo(g, abi, p).contains("BAR3"), "no BAR3 on the simulated GPU");
            p = systemInfo(abi);
            si.maxUserVa(p, 0, (1L << 47) - 1);
            assertTrue(SimBootParams.checkSystemInfo(g, abi, p).startsWith("maxUserVa"));
            p = systemInfo(abi);
            si.pciConfigMirrorSize(p, 0, 0);
            assertTrue(SimBootParams.checkSystemInfo(g, abi, p).startsWith("PCI config mirror"));
            assertNotNull(SimBootParams.checkSystemInfo(g, abi, new byte[8]), "short");
        }
    }

    @Test
    void registryRules() {
        Map<String, Integer> base = new LinkedHashMap<>(Map.of("RMSecBusResetEnable", 1, "RMForcePcieConfigSave", 1,
                "RMDevidCheckIgnore", 1));
        NvidiaGpu ad102 = gpu(Chipset.AD102);
        assertNull(SimBootParams.checkRegistry(ad102, base));
        Map<String, Integer> sriov = new LinkedHashMap<>(base);
        sriov.put("RMSetSriovMode", 1);
        assertTrue(SimBootParams.checkRegistry(ad102, sriov).contains("without VF partitions"));
        ad102.wprVfPartitions(32);
        assertNull(SimBootParams.checkRegistry(ad102, sriov));
        NvidiaGpu ga102 = gpu(Chipset.GA102);
        ga102.wprVfPartitions(32);
        assertTrue(SimBootParams.checkRegistry(ga102, sriov).contains("no SR-IOV vGPU"));
        Map<String, Integer> noDevid = new LinkedHashMap<>(base);
        noDevid.put("RMDevidCheckIgnore", 0);
        assertTrue(SimBootParams.checkRegistry(ad102, noDevid).contains("product table"));
    }

    @Test
    void totalVfsIsStrapped() {
        assertEquals(4, GpuOptions.of(Chipset.AD102, List.of()).totalVfs());
        assertEquals(0, GpuOptions.of(Chipset.GA102, List.of()).totalVfs());
        assertEquals(1, new NvidiaGpu(GpuOptions.of(Chipset.AD102, List.of()).withTotalVfs(1)).totalVfs());
        assertThrows(IllegalArgumentException.class, () -> GpuOptions.of(Chipset.AD102, List.of()).withTotalVfs(5));
    }
}
