package org.nova.gpu.internal;

import static org.nova.nvidia.FbLayoutFacts.*;

/**
 * The framebuffer layout nova-core computes before booting the GSP (fb.rs FbLayout::new): from
 * the end of VRAM down, the VGA workspace, FRTS, the GSP bootloader, the GSP image, the WPR2
 * heap, WPR2 (starting with the WPR metadata) and a heap below it. Ranges are [start, end).
 *
 * @param fbSize usable framebuffer size
 * @param vgaStart VGA workspace start (ends at fbSize)
 * @param frtsStart FRTS start
 * @param frtsEnd FRTS end
 * @param bootStart bootloader start (ends at frtsStart)
 * @param elfStart GSP image start
 * @param elfEnd GSP image end
 * @param wpr2HeapStart WPR2 heap start
 * @param wpr2HeapEnd WPR2 heap end
 * @param wpr2Start WPR2 start (ends at frtsEnd)
 * @param heapStart non-WPR heap start (ends at wpr2Start)
 */
record FbLayout(long fbSize, long vgaStart, long frtsStart, long frtsEnd, long bootStart, long elfStart, long elfEnd,
        long wpr2HeapStart, long wpr2HeapEnd, long wpr2Start, long heapStart) {

    /** Size of GspFwWprMeta, which starts WPR2. */
    static final long WPR_META_SIZE = org.nova.nvidia.gsp.GspFwWprMeta.SIZE;
    /**
     * WPR2 heap: base size for GSP-RM, an allowance per GiB of framebuffer, and the LibOS
     * carve-out — an approximation of OpenRM's gspCalculateFbLayout heap sizing (the exact
     * per-version parameters arrive with the GSP message queues).
     */
    static final long WPR2_HEAP_BASE = 8L << 20;
    /** Heap allowance per GiB of framebuffer. */
    static final long WPR2_HEAP_PER_GIB = 96L << 10;
    /** LibOS carve-out of the heap. */
    static final long WPR2_HEAP_LIBOS = 20L << 20;
    /** Minimum WPR2 heap. */
    static final long WPR2_HEAP_MIN = 64L << 20;

    /**
     * @param fbSize usable framebuffer size
     * @param vgaWorkspaceAddr the VGA workspace address the display reports, or -1 (none / no display)
     * @param bootloaderSize size of the GSP bootloader's ucode
     * @param elfSize size of the GSP image
     */
    static FbLayout compute(long fbSize, long vgaWorkspaceAddr, long bootloaderSize, long elfSize) {
        long base = fbSize - NV_PRAMIN_SIZE;
        long vga;
        if (vgaWorkspaceAddr < 0) {
            vga = base;
        } else if (vgaWorkspaceAddr < base) {
            vga = fbSize - VBIOS_WORKSPACE_SIZE;
        } else {
            vga = vgaWorkspaceAddr;
        }
        long frtsStart = alignDown(vga, FRTS_DOWN_ALIGN) - FRTS_SIZE;
        long frtsEnd = frtsStart + FRTS_SIZE;
        long boot = alignDown(frtsStart - bootloaderSize, BOOTLOADER_DOWN_ALIGN);
        long elf = alignDown(boot - elfSize, ELF_DOWN_ALIGN);
        long heapSize = Math.max(WPR2_HEAP_MIN, alignUp(WPR2_HEAP_BASE + WPR2_HEAP_LIBOS
                + WPR2_HEAP_PER_GIB * Math.ceilDiv(fbSize, 1L << 30), WPR2_HEAP_DOWN_ALIGN));
        long wpr2Heap = alignDown(elf - heapSize, WPR2_HEAP_DOWN_ALIGN);
        long wpr2 = alignDown(wpr2Heap - WPR_META_SIZE, WPR2_DOWN_ALIGN);
        long heap = wpr2 - HEAP_SIZE;
        return new FbLayout(fbSize, vga, frtsStart, frtsEnd, boot, elf, elf + elfSize, wpr2Heap, wpr2Heap + heapSize,
                wpr2, heap);
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    @Override
    public String toString() {
        return String.format("fb 0x%x, vga 0x%x.., frts 0x%x..0x%x, boot 0x%x.., elf 0x%x..0x%x, wpr2 heap 0x%x..0x%x, "
                + "wpr2 0x%x..0x%x, heap 0x%x..", fbSize, vgaStart, frtsStart, frtsEnd, bootStart, elfStart, elfEnd,
                wpr2HeapStart, wpr2HeapEnd, wpr2Start, frtsEnd, heapStart);
    }
}
