package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.nova.nvidia.gsp.GspFwWprMeta;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.GspStaticConfigInfo;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS;

/**
 * The framebuffer regions the simulated GSP-RM reports in GetGspStaticInfo's
 * {@code fbRegionInfoParams} (NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS, open-gpu-kernel-modules
 * ctrl2080fb.h; what nova-core's gsp/fw/commands.rs fb_regions reads): built from the GspFwWprMeta
 * booter_load accepted, i.e. from what GSP-RM really occupies after this boot, not from a layout of
 * its own. From the bottom: the VRAM below GSP-RM's non-WPR heap, usable (not reserved, not
 * protected, compressed and ISO surfaces allowed); the non-WPR heap, reserved; WPR2 from
 * {@code gspFwWprStart} to {@code gspFwWprEnd} (the GSP image, its heap, the bootloader, FRTS),
 * reserved and protected; above it (the VGA workspace, the PRAMIN window) reserved.
 *
 * <p>A {@link GpuFault} of the {@code fb-region*} kind makes the table malformed as a buggy firmware
 * would report it, so the driver's checks can be run.
 *
 * @param regions the table, in the order GSP-RM reports it
 */
record SimFbRegions(List<Region> regions) {
    /**
     * The performance rating the simulated GSP-RM gives usable VRAM (the simulator's choice: the
     * field is a relative rating with no unit in ctrl2080fb.h).
     */
    static final int PERFORMANCE_VRAM = 1000;

    /**
     * One region, its limit inclusive as ctrl2080fb.h has it.
     *
     * @param base first byte
     * @param limit last byte
     * @param reserved non-zero for memory GSP-RM keeps
     * @param performance relative rating
     * @param compressed supportCompressed
     * @param iso supportISO
     * @param protectedMemory bProtected
     */
    record Region(long base, long limit, long reserved, int performance, boolean compressed, boolean iso,
            boolean protectedMemory) {
    }

    SimFbRegions {
        regions = List.copyOf(regions);
    }

    /**
     * @param meta the GspFwWprMeta booter_load accepted
     * @param fbSize the framebuffer's size
     * @param fault the GPU's fault; the {@code fb-region*} ones make the table malformed
     * @return what GSP-RM reports for this boot
     */
    static SimFbRegions fromWprMeta(MemorySegment meta, long fbSize, GpuFault fault) {
        long heap = GspFwWprMeta.get(meta, GspFwWprMeta.NON_WPR_HEAP_OFFSET);
        long wprStart = GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_START);
        long wprEnd = GspFwWprMeta.get(meta, GspFwWprMeta.GSP_FW_WPR_END);
        boolean allReserved = fault == GpuFault.FB_REGIONS_ALL_RESERVED;
        List<Region> r = new ArrayList<>();
        if (fault == GpuFault.FB_REGIONS_NONE) {
            return new SimFbRegions(r);
        }
        r.add(new Region(0, heap - 1, allReserved ? 1 : 0, PERFORMANCE_VRAM, true, true, false));
        long heapBase = fault == GpuFault.FB_REGIONS_OVERLAP ? heap / 2 : heap;
        if (wprStart > heap) {
            r.add(new Region(heapBase, wprStart - 1, 1, 0, false, false, false));
        }
        r.add(new Region(wprStart, wprEnd - 1, 1, 0, false, false, true));
        long top = fault == GpuFault.FB_REGION_PAST_FB ? fbSize + (1L << 20) : fbSize;
        if (top > wprEnd) {
            r.add(new Region(wprEnd, top - 1, 1, 0, false, false, false));
        }
        return new SimFbRegions(r);
    }

    /** Writes the table into a GspStaticConfigInfo reply with the release's bindings. */
    void write(GspBindings abi, byte[] reply) {
        GspStaticConfigInfo s = abi.GspStaticConfigInfo();
        NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS params = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS();
        NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO info = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO();
        int at = s.fbRegionInfoParamsOffset();
        int n = Math.min(regions.size(), abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES());
        params.numFBRegions(reply, at, n);
        for (int i = 0; i < n; i++) {
            Region g = regions.get(i);
            int base = at + params.fbRegionOffset() + i * info.size();
            info.base(reply, base, g.base());
            info.limit(reply, base, g.limit());
            info.reserved(reply, base, g.reserved());
            info.performance(reply, base, g.performance());
            info.supportCompressed(reply, base, g.compressed() ? 1 : 0);
            info.supportISO(reply, base, g.iso() ? 1 : 0);
            info.bProtected(reply, base, g.protectedMemory() ? 1 : 0);
        }
    }
}
