package org.nova.gpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.FbRegion;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.gpu.vram.VramBlock;
import org.nova.hw.sim.gpu.GpuFault;
import org.nova.hw.sim.gpu.GpuFirmwareGenerator;
import org.nova.hw.sim.gpu.GpuOptions;
import org.nova.hw.sim.gpu.NvidiaGpu;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.gsp.bindings.GspBindings;

/**
 * The framebuffer regions of GetGspStaticInfo per chip and release: the simulated GSP-RM's answer
 * (built from the WPR metadata booter_load accepted) decoded, the VRAM allocator built from its
 * usable regions, and every malformed answer refusing the probe with everything released.
 */
class FbRegionsTest {
    @TempDir
    Path tmp;

    record Run(SimPciDevice dev, NvidiaGpu gpu, Gpu driver, DriverException error) {
    }

    static Stream<Arguments> chips() {
        return Stream.of(Arguments.of(Chipset.TU102, "535.113.01"), Arguments.of(Chipset.GA100, "535.113.01"),
                Arguments.of(Chipset.GA102, "535.113.01"), Arguments.of(Chipset.AD102, "535.113.01"),
                Arguments.of(Chipset.GA102, "570.144"), Arguments.of(Chipset.AD102, "570.144"));
    }

    private Run probe(Chipset chip, String release, GpuFault fault) {
        Path fw = GpuFirmwareGenerator.generate(chip, tmp.resolve(chip.name() + "-" + release), release);
        NvidiaGpu gpu = new NvidiaGpu(GpuOptions.of(chip, List.of(fw)).withFault(fault));
        SimPciDevice dev = new SimPciDevice(gpu, "0000:00:05.0");
        try {
            return new Run(dev, gpu, Gpu.probe(dev, new DirFirmwareLoader(fw)), null);
        } catch (DriverException e) {
            dev.releaseAll();
            return new Run(dev, gpu, null, e);
        }
    }

    private static void unbind(Run r) {
        r.driver().unbind();
        r.dev().releaseAll();
        assertEquals(0, r.dev().liveDma());
    }

    @ParameterizedTest
    @MethodSource("chips")
    void gspRmsRegionsAreDecodedAndCoverTheFramebuffer(Chipset chip, String release) {
        Run r = probe(chip, release, GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        List<FbRegion> regions = r.driver().fbRegions().regions();
        long fb = r.driver().info().fbSize();
        // the simulated GSP-RM's model: usable VRAM, its non-WPR heap, WPR2 (protected), the top reserved
        assertEquals(4, regions.size(), regions.toString());
        long at = 0;
        for (FbRegion g : regions) {
            assertEquals(at, g.base(), "regions are contiguous from 0: " + regions);
            at = g.end();
        }
        assertEquals(fb, at, "the regions end at the framebuffer's end");
        FbRegion usable = regions.get(0);
        assertTrue(usable.usable() && usable.compressed() && usable.iso() && usable.reserved() == 0
                && !usable.protectedMemory(), usable.toString());
        assertTrue(regions.get(1).reserved() != 0 && !regions.get(1).usable(), "the non-WPR heap is reserved");
        assertTrue(regions.get(2).protectedMemory() && regions.get(2).reserved() != 0, "WPR2 is protected");
        assertTrue(regions.get(3).reserved() != 0 && !regions.get(3).protectedMemory());
        assertEquals(List.of(usable), r.driver().fbRegions().usable());
        unbind(r);
    }

    @ParameterizedTest
    @MethodSource("chips")
    void theVramAllocatorNeverHandsOutReservedOrProtectedMemory(Chipset chip, String release) {
        Run r = probe(chip, release, GpuFault.NONE);
        assertNull(r.error(), () -> r.error().getMessage());
        FbRegions regions = r.driver().fbRegions();
        BuddyVramManager vram = regions.vramManager("0000:00:05.0", MemorySegment.NULL);
        long usableBytes = regions.zones().stream().mapToLong(z -> z.size() & -4096L).sum();
        assertEquals(usableBytes, vram.total());
        // take all of it, largest blocks first
        List<VramBlock> blocks = new ArrayList<>();
        for (long size = Long.highestOneBit(vram.total()); size >= 4096; size >>= 1) {
            while (true) {
                try {
                    blocks.add(vram.allocate(size, "test"));
                } catch (DriverException e) {
                    assertEquals(Errno.ENOSPC, e.errno(), e.getMessage());
                    break;
                }
            }
        }
        assertEquals(0, vram.available());
        assertEquals(usableBytes, blocks.stream().mapToLong(VramBlock::size).sum());
        for (VramBlock b : blocks) {
            for (FbRegion g : regions.regions()) {
                boolean inside = b.offset() >= g.base() && b.offset() + b.size() <= g.end();
                boolean disjoint = b.offset() + b.size() <= g.base() || b.offset() >= g.end();
                assertTrue(g.usable() ? inside || disjoint : disjoint, b + " overlaps " + g);
            }
        }
        assertEquals(usableBytes, vram.freeAll("test"));
        unbind(r);
    }

    static Stream<Arguments> faults() {
        List<Arguments> a = new ArrayList<>();
        for (Chipset c : List.of(Chipset.TU102, Chipset.GA100, Chipset.GA102, Chipset.AD102)) {
            a.add(Arguments.of(c, GpuFault.FB_REGIONS_NONE, Errno.EIO, "no framebuffer region (numFBRegions 0)"));
            a.add(Arguments.of(c, GpuFault.FB_REGIONS_OVERLAP, Errno.EIO, "framebuffer regions 0 ("));
            a.add(Arguments.of(c, GpuFault.FB_REGION_PAST_FB, Errno.EIO, "framebuffer region 3 ("));
            a.add(Arguments.of(c, GpuFault.FB_REGIONS_ALL_RESERVED, Errno.ENODEV, "no usable framebuffer region"));
        }
        return a.stream();
    }

    @ParameterizedTest
    @MethodSource("faults")
    void aMalformedRegionTableFailsTheProbeAndReleasesEverything(Chipset chip, GpuFault fault, Errno errno,
            String fragment) {
        Run r = probe(chip, "535.113.01", fault);
        assertNotNull(r.error(), fault + " should fail the probe");
        assertEquals(errno, r.error().errno(), r.error().getMessage());
        assertTrue(r.error().getMessage().contains(fragment), r.error().getMessage());
        // the boot failed past FWSEC-FRTS: the GSP was unloaded, nothing of the binding is left
        assertFalse(r.gpu().gspRunning());
        assertEquals(0, r.dev().liveResources());
        assertEquals(0, r.dev().liveDma());
    }

    @Test
    void overlapAndPastTheEndNameTheRegions() {
        Run r = probe(Chipset.GA102, "535.113.01", GpuFault.FB_REGIONS_OVERLAP);
        assertTrue(r.error().getMessage().contains("and 1 ("), r.error().getMessage());
        assertTrue(r.error().getMessage().contains("overlap"), r.error().getMessage());
        Run p = probe(Chipset.GA102, "570.144", GpuFault.FB_REGION_PAST_FB);
        assertTrue(p.error().getMessage().contains("ends past the framebuffer's"), p.error().getMessage());
    }

    @Test
    void decodeRefusesWhatNoGspRmReports() {
        GspBindings abi = GspBindings.of("570.144").orElseThrow();
        byte[] p = new byte[abi.GspStaticConfigInfo().size()];
        int at = abi.GspStaticConfigInfo().fbRegionInfoParamsOffset();
        var params = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS();
        var info = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO();
        params.numFBRegions(p, at, 17);
        var e = assertThrows(DriverException.class, () -> FbRegions.decode(abi, p, 1L << 30));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains("17 framebuffer regions; its table holds 16"), e.getMessage());
        // one region whose limit is below its base
        params.numFBRegions(p, at, 1);
        int r0 = at + params.fbRegionOffset();
        info.base(p, r0, 0x2000);
        info.limit(p, r0, 0x1fff - 0x1000);
        e = assertThrows(DriverException.class, () -> FbRegions.decode(abi, p, 1L << 30));
        assertTrue(e.getMessage().contains("region 0: limit 0xfff is below its base 0x2000"), e.getMessage());
        // usable but without ISO support (upstream's rule): not usable
        info.base(p, r0, 0);
        info.limit(p, r0, (1L << 20) - 1);
        info.supportCompressed(p, r0, 1);
        e = assertThrows(DriverException.class, () -> FbRegions.decode(abi, p, 1L << 30));
        assertEquals(Errno.ENODEV, e.errno());
        info.supportISO(p, r0, 1);
        FbRegions ok = FbRegions.decode(abi, p, 1L << 30);
        assertEquals(List.of(new FbRegion(0, 0, 1L << 20, 0, 0, true, true, false)), ok.regions());
        // a usable region not on 4 KiB boundaries gives the allocator only its whole chunks
        info.base(p, r0, 0x800);
        info.limit(p, r0, 0x3fff);
        assertEquals(List.of(new org.nova.gpu.vram.BuddyAllocator.Zone(0x1000, 0x3000)),
                FbRegions.decode(abi, p, 1L << 30).zones());
    }
}
