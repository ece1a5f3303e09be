package org.nova.gpu.internal;

import static org.nova.nvidia.FbLayoutFacts.*;

import org.nova.nvidia.gsp.GspFwHeap;

/**
 * The framebuffer layout nova-core computes before booting the GSP (fb.rs {@code FbLayout::new} of
 * the vGPU RFC 20251206124208 on torvalds/linux, with the per-HAL sizes of fb/hal/*.rs and the heap
 * sizing of gsp/fw.rs {@code LibosParams::wpr_heap_size}): from the end of VRAM down, the VGA
 * workspace, FRTS ({@link GpuHal#frtsSize}, empty on GA100), the GSP bootloader, the GSP image, the
 * WPR2 heap (LibOS 2 or 3 sizing, or the vGPU heap), WPR2 (starting with the WPR metadata) and the
 * non-WPR heap below it ({@link GpuHal#nonWprHeapSize}). Ranges are [start, end).
 *
 * @param fbSize usable framebuffer size
 * @param vgaStart VGA workspace start (ends at fbSize)
 * @param frtsStart FRTS start
 * @param frtsEnd FRTS end
 * @param bootStart bootloader start (the bootloader ends below frtsStart)
 * @param elfStart GSP image start
 * @param elfEnd GSP image end
 * @param wpr2HeapStart WPR2 heap start
 * @param wpr2HeapEnd WPR2 heap end: the image's start aligned down, as fb.rs sets it
 * @param wpr2Start WPR2 start (ends at frtsEnd)
 * @param heapStart non-WPR heap start (ends at wpr2Start)
 * @param wprEnd GspFwWprMeta.gspFwWprEnd: the VGA workspace start aligned down to 128 KiB
 * @param pmuReservedSize GspFwWprMeta.pmuReservedSize
 * @param vfPartitionCount GspFwWprMeta.gspFwHeapVfPartitionCount: 0 without vGPU
 */
record FbLayout(long fbSize, long vgaStart, long frtsStart, long frtsEnd, long bootStart, long elfStart, long elfEnd,
        long wpr2HeapStart, long wpr2HeapEnd, long wpr2Start, long heapStart, long wprEnd, long pmuReservedSize,
        int vfPartitionCount) {

    /** Size of GspFwWprMeta, which starts WPR2. */
    static final long WPR_META_SIZE = org.nova.nvidia.gsp.GspFwWprMeta.SIZE;

    /**
     * @param hal the chip's HAL: FRTS size, non-WPR heap, PMU reservation, LibOS version
     * @param fbSize usable framebuffer size
     * @param vgaWorkspaceAddr the VGA workspace address the display reports, or -1 (none / no display)
     * @param bootloaderSize size of the GSP bootloader's ucode
     * @param elfSize size of the GSP image
     * @param vgpu whether vGPU is on ({@link VgpuSupport}): the vGPU heap and its VF partitions
     */
    static FbLayout compute(GpuHal hal, long fbSize, long vgaWorkspaceAddr, long bootloaderSize, long elfSize,
            boolean vgpu) {
        long base = fbSize - NV_PRAMIN_SIZE;
        long vga;
        if (vgaWorkspaceAddr < 0) {
            vga = base;
        } else if (vgaWorkspaceAddr < base) {
            vga = fbSize - VBIOS_WORKSPACE_SIZE;
        } else {
            vga = vgaWorkspaceAddr;
        }
        long frtsSize = hal.frtsSize();
        long frtsStart = alignDown(vga, FRTS_DOWN_ALIGN) - frtsSize;
        long frtsEnd = frtsStart + frtsSize;
        long boot = alignDown(frtsStart - bootloaderSize, BOOTLOADER_DOWN_ALIGN);
        long elf = alignDown(boot - elfSize, ELF_DOWN_ALIGN);
        long heapSize = vgpu ? GspFwHeap.VGPU_HEAP_SIZE : wprHeapSize(hal.libos(), fbSize);
        long wpr2Heap = alignDown(elf - heapSize, WPR2_HEAP_DOWN_ALIGN);
        long wpr2 = alignDown(wpr2Heap - WPR_META_SIZE, WPR2_DOWN_ALIGN);
        long heap = wpr2 - hal.nonWprHeapSize();
        return new FbLayout(fbSize, vga, frtsStart, frtsEnd, boot, elf, elf + elfSize, wpr2Heap,
                alignDown(elf, WPR2_HEAP_DOWN_ALIGN), wpr2, heap, alignDown(vga, WPR_END_DOWN_ALIGN),
                hal.pmuReservedSize(), vgpu ? GspFwHeap.VGPU_VF_PARTITION_COUNT : 0);
    }

    /**
     * gsp/fw.rs LibosParams::wpr_heap_size: the LibOS carve-out, GSP-RM's boot memory, one client
     * and the per-GiB allowance (the last two aligned up to 1 MiB), clamped to the LibOS range.
     */
    static long wprHeapSize(GspFwHeap.Libos libos, long fbSize) {
        long size = libos.carveout() + GspFwHeap.BASE_RM_SIZE_TU10X
                + alignUp(GspFwHeap.CLIENT_ALLOC_SIZE, GspFwHeap.ALIGNMENT)
                + alignUp(GspFwHeap.SIZE_PER_GB_FB * Math.ceilDiv(fbSize, GspFwHeap.GIB), GspFwHeap.ALIGNMENT);
        return Math.clamp(size, libos.min(), libos.max() - 1);
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    @Override
    public String toString() {
        return String.format("fb 0x%x, vga 0x%x.., frts 0x%x..0x%x, boot 0x%x.., elf 0x%x..0x%x, wpr2 heap 0x%x..0x%x, "
                + "wpr2 0x%x..0x%x, heap 0x%x.., wpr end 0x%x, pmu 0x%x, vf partitions %d", fbSize, vgaStart, frtsStart,
                frtsEnd, bootStart, elfStart, elfEnd, wpr2HeapStart, wpr2HeapEnd, wpr2Start, frtsEnd, heapStart, wprEnd,
                pmuReservedSize, vfPartitionCount);
    }
}
