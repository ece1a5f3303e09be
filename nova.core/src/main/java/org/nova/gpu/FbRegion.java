package org.nova.gpu;

/**
 * One framebuffer region as GSP-RM reports it in GetGspStaticInfo's
 * {@code fbRegionInfoParams} (NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO of
 * open-gpu-kernel-modules ctrl2080fb.h), its flags decoded. A value: what the firmware reported
 * at boot; GSP-RM does not change its regions while it runs.
 *
 * @param index the region's index in the firmware's table
 * @param base the region's first byte of VRAM
 * @param end the byte after its last (the firmware's inclusive {@code limit} + 1)
 * @param reserved GSP-RM's {@code reserved} field: non-zero for memory the firmware keeps for itself
 * @param performance the firmware's relative performance rating of the region
 * @param compressed whether compressed surfaces may live there ({@code supportCompressed})
 * @param iso whether isochronous surfaces (display, cursor, video) may live there ({@code supportISO})
 * @param protectedMemory whether only protected allocations may live there ({@code bProtected})
 */
public record FbRegion(int index, long base, long end, long reserved, int performance, boolean compressed,
        boolean iso, boolean protectedMemory) {

    /** @return the region's length in bytes */
    public long size() {
        return end - base;
    }

    /**
     * Whether a driver may allocate from the region, by nova-core's rule (gsp/fw/commands.rs
     * first_usable_fb_region, "gpu: nova-core: gsp: Extract usable FB region from GSP", v12 of the
     * nova-core memory series, April 2026): not reserved, not protected, and both compressed and
     * isochronous surfaces allowed.
     *
     * @return true if the region is usable VRAM
     */
    public boolean usable() {
        return reserved == 0 && !protectedMemory && compressed && iso;
    }
}
