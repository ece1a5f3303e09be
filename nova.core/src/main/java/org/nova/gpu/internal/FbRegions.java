package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.gpu.FbRegion;
import org.nova.gpu.vram.BuddyAllocator;
import org.nova.gpu.vram.BuddyVramManager;
import org.nova.nvidia.gsp.bindings.GspBindings;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO;
import org.nova.nvidia.gsp.bindings.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS;

/**
 * The framebuffer regions GSP-RM reported in GetGspStaticInfo ({@code fbRegionInfoParams}),
 * decoded and checked (nova-core gsp/fw/commands.rs fb_regions and first_usable_fb_region of the
 * patch "gpu: nova-core: gsp: Extract usable FB region from GSP", v12 02/22 of the nova-core memory
 * series, 2026-04-25; the layout from the running release's generated bindings). The VRAM
 * allocator is built from {@link #usable()} instead of a layout the driver computed.
 *
 * <p>Where this differs from upstream: nova-core skips a region whose limit is below its base and
 * takes the first usable region only (its TODO: several discontiguous usable regions); here a
 * malformed table is refused as a whole (a GSP-RM that reports one is not trusted with VRAM) and
 * every usable region becomes a zone of the allocator.
 *
 * @param regions the regions in the firmware's order
 */
record FbRegions(List<FbRegion> regions) {

    FbRegions {
        regions = List.copyOf(regions);
    }

    /**
     * Decodes and checks the region table of a GetGspStaticInfo reply.
     *
     * @param reply the GspStaticConfigInfo payload (at least the release's structure size)
     * @param fbSize the framebuffer size the driver read from the GPU's registers
     * @return the regions
     * @throws DriverException EIO naming the region and why for a malformed table (no region, more
     *     than the table holds, a limit below its base, a region past the framebuffer, two regions
     *     overlapping); ENODEV when no region is usable (nova-core: first_usable_fb_region's None)
     */
    static FbRegions decode(GspBindings abi, byte[] reply, long fbSize) {
        NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS params = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS();
        NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO r = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO();
        int at = abi.GspStaticConfigInfo().fbRegionInfoParamsOffset();
        long n = Integer.toUnsignedLong(params.numFBRegions(reply, at));
        int max = abi.NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES();
        if (n == 0) {
            throw new DriverException(Errno.EIO, "GetGspStaticInfo reports no framebuffer region (numFBRegions 0)");
        }
        if (n > max) {
            throw new DriverException(Errno.EIO, "GetGspStaticInfo reports " + n + " framebuffer regions; its table "
                    + "holds " + max);
        }
        List<FbRegion> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int base = at + params.fbRegionOffset() + i * r.size();
            long lo = r.base(reply, base);
            long limit = r.limit(reply, base);
            if (Long.compareUnsigned(limit, lo) < 0 || limit == -1L) {
                throw new DriverException(Errno.EIO, String.format("framebuffer region %d: limit %#x is below its "
                        + "base %#x", i, limit, lo));
            }
            if (Long.compareUnsigned(limit, fbSize) >= 0) {
                throw new DriverException(Errno.EIO, String.format("framebuffer region %d (%#x..%#x) ends past the "
                        + "framebuffer's %#x bytes", i, lo, limit, fbSize));
            }
            out.add(new FbRegion(i, lo, limit + 1, r.reserved(reply, base), r.performance(reply, base),
                    r.supportCompressed(reply, base) != 0, r.supportISO(reply, base) != 0,
                    r.bProtected(reply, base) != 0));
        }
        List<FbRegion> sorted = new ArrayList<>(out);
        sorted.sort(Comparator.comparingLong(FbRegion::base));
        for (int i = 1; i < sorted.size(); i++) {
            FbRegion a = sorted.get(i - 1);
            FbRegion b = sorted.get(i);
            if (b.base() < a.end()) {
                throw new DriverException(Errno.EIO, String.format("framebuffer regions %d (%#x..%#x) and %d "
                        + "(%#x..%#x) overlap", a.index(), a.base(), a.end() - 1, b.index(), b.base(), b.end() - 1));
            }
        }
        FbRegions regions = new FbRegions(out);
        if (regions.usable().isEmpty()) {
            throw new DriverException(Errno.ENODEV, "GetGspStaticInfo reports no usable framebuffer region (each of "
                    + n + " is reserved, protected, or without compression or ISO support)");
        }
        return regions;
    }

    /** @return the usable regions, by address */
    List<FbRegion> usable() {
        return regions.stream().filter(FbRegion::usable).sorted(Comparator.comparingLong(FbRegion::base)).toList();
    }

    /**
     * @return the allocator's zones: each usable region shrunk to whole {@link BuddyAllocator#MIN_CHUNK}s
     *     (a region smaller than a chunk once aligned gives none)
     */
    List<BuddyAllocator.Zone> zones() {
        List<BuddyAllocator.Zone> z = new ArrayList<>();
        for (FbRegion r : usable()) {
            long lo = Math.ceilDiv(r.base(), BuddyAllocator.MIN_CHUNK) * BuddyAllocator.MIN_CHUNK;
            long hi = r.end() & -BuddyAllocator.MIN_CHUNK;
            if (hi - lo >= BuddyAllocator.MIN_CHUNK) {
                z.add(new BuddyAllocator.Zone(lo, hi - lo));
            }
        }
        return z;
    }

    /**
     * @param gpu the GPU's PCI device name
     * @param aperture the CPU's view of VRAM through BAR1, or {@link MemorySegment#NULL}
     * @return a VRAM manager over {@link #zones()}: allocations never land in a reserved or
     *     protected region
     */
    BuddyVramManager vramManager(String gpu, MemorySegment aperture) {
        return new BuddyVramManager(gpu, new BuddyAllocator(gpu, zones(), BuddyAllocator.MIN_CHUNK), aperture);
    }
}
