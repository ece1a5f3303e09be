package org.nova.vgpu.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The GPU's VRAM as the vGPUs' BAR1 apertures reach it (one per GPU, shared by its vGPUs): a
 * sparse store addressed by VRAM offset, zero until written. Each vGPU's aperture translates its
 * offsets into its own framebuffer block, so no vGPU can name another's memory.
 */
final class FbMemory {
    private static final int PAGE = 4096;
    private final Map<Long, byte[]> pages = new HashMap<>();

    synchronized long read(long addr, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            byte[] p = pages.get((addr + i) / PAGE);
            v = v << 8 | (p == null ? 0 : p[(int) ((addr + i) % PAGE)] & 0xff);
        }
        return v;
    }

    synchronized void write(long addr, int width, long value) {
        for (int i = 0; i < width; i++) {
            pages.computeIfAbsent((addr + i) / PAGE, k -> new byte[PAGE])[(int) ((addr + i) % PAGE)] =
                    (byte) (value >>> (8 * i));
        }
    }

    /** Zeroes [addr, addr + size): the pages go. */
    synchronized void clear(long addr, long size) {
        pages.keySet().removeIf(k -> k * PAGE >= addr && k * PAGE < addr + size);
    }

    /** @return the bytes held (pages written) in [addr, addr + size) */
    synchronized long bytesHeld(long addr, long size) {
        return pages.keySet().stream().filter(k -> k * PAGE >= addr && k * PAGE < addr + size).count() * PAGE;
    }

    /** @return the bytes held in all */
    synchronized long bytesHeld() {
        return (long) pages.size() * PAGE;
    }
}
