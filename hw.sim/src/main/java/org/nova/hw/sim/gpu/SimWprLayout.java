package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import org.nova.nvidia.Architecture;
import org.nova.nvidia.Chipset;
import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.fsp.FspChipFacts;
import org.nova.nvidia.gsp.GspFwHeap;
import org.nova.nvidia.gsp.GspFwWprMeta;

/**
 * What the booter and GSP-RM's LibOS demand of the framebuffer layout in GspFwWprMeta, computed by
 * the GPU from its own chip, framebuffer and trusted firmware with the rules nova-core follows
 * (fb.rs FbLayout::new, fb/hal/*.rs sizes, gsp/fw.rs LibosParams heap sizing and GspFwWprMeta::new;
 * the vGPU heap of the nova-core vGPU RFC 20251206124208): GSP-RM is placed exactly where these
 * rules put it, so a metadata field that differs (a heap GSP-RM cannot run in, a non-WPR heap, FRTS,
 * PMU reservation or WPR end of another size) makes the booter refuse. This is the simulator's own
 * computation, written apart from the driver's, so a wrong driver fails here.
 *
 * <p>VF partitions (gspFwHeapVfPartitionCount) ask for the vGPU heap; they need a board with SR-IOV
 * and a chip whose GSP-RM runs vGPU ({@link SimVgpuManager#supported}), and at most
 * {@link GspFwHeap#VGPU_VF_PARTITION_COUNT}.
 */
final class SimWprLayout {
    private SimWprLayout() {
    }

    /** @return the FRTS size the chip's FWSEC and booter expect (GA100: an empty region) */
    static long frtsSize(Chipset chip) {
        return chip == Chipset.GA100 ? FbLayoutFacts.FRTS_SIZE_GA100 : FbLayoutFacts.FRTS_SIZE_TU102;
    }

    /**
     * @return the non-WPR heap GSP-RM expects below WPR2 on the chip (fb/hal: 1 MiB to Ada, 2 MiB
     *     on Hopper and GB10x, 2 MiB + 128 KiB on GB20x)
     */
    static long nonWprHeapSize(Chipset chip) {
        return switch (chip.architecture()) {
            case HOPPER -> FspChipFacts.NON_WPR_HEAP_GH100;
            case BLACKWELL_GB10X -> FspChipFacts.NON_WPR_HEAP_GB100;
            case BLACKWELL_GB20X -> FspChipFacts.NON_WPR_HEAP_GB202;
            default -> FbLayoutFacts.NON_WPR_HEAP_SIZE_TU102;
        };
    }

    /** @return the PMU reservation GSP-RM expects on the chip (fb/hal: none before Blackwell) */
    static long pmuReservedSize(Chipset chip) {
        return switch (chip.architecture()) {
            case BLACKWELL_GB10X, BLACKWELL_GB20X -> FspChipFacts.PMU_RESERVED_GB100;
            case HOPPER -> FspChipFacts.PMU_RESERVED_GH100;
            default -> FbLayoutFacts.PMU_RESERVED_SIZE_TU102;
        };
    }

    /** @return the LibOS the chip's GSP-RM runs on: 2 on Turing and GA100, 3 from GA102 */
    static GspFwHeap.Libos libos(Chipset chip) {
        return chip.architecture() == Architecture.TURING || chip == Chipset.GA100 ? GspFwHeap.Libos.LIBOS2
                : GspFwHeap.Libos.LIBOS3;
    }

    /** @return the bare-metal WPR2 heap GSP-RM needs for a framebuffer of {@code fbSize} bytes */
    static long bareMetalHeap(Chipset chip, long fbSize) {
        GspFwHeap.Libos os = libos(chip);
        long gib = (fbSize + GspFwHeap.GIB - 1) / GspFwHeap.GIB;
        long perGib = roundUp(gib * GspFwHeap.SIZE_PER_GB_FB);
        long client = roundUp(GspFwHeap.CLIENT_ALLOC_SIZE);
        long want = os.carveout() + GspFwHeap.BASE_RM_SIZE_TU10X + client + perGib;
        long largest = os.max() - 1;
        return want < os.min() ? os.min() : Math.min(want, largest);
    }

    private static long roundUp(long v) {
        long a = GspFwHeap.ALIGNMENT;
        return (v + a - 1) / a * a;
    }

    private static long down(long v, long a) {
        return v - Math.floorMod(v, a);
    }

    /**
     * @param gpu the GPU (chip, SR-IOV)
     * @param meta the metadata the driver wrote
     * @param fbSize the usable framebuffer
     * @param vgaStart the VGA workspace the GPU reports
     * @param bootloaderSize the trusted bootloader's ucode size
     * @param imageSize the trusted GSP image's size
     * @return null if the layout is the one GSP-RM needs, else which field differs, its value and
     *     the one required
     */
    static String check(NvidiaGpu gpu, MemorySegment meta, long fbSize, long vgaStart, long bootloaderSize,
            long imageSize) {
        Chipset chip = gpu.options().chipset();
        int partitions = GspFwWprMeta.getU8(meta, GspFwWprMeta.GSP_FW_HEAP_VF_PARTITION_COUNT);
        if (partitions > 0 && (gpu.totalVfs() == 0 || !SimVgpuManager.supported(chip))) {
            return "gspFwHeapVfPartitionCount " + partitions + ": " + chip + " has no SR-IOV vGPU to partition the "
                    + "heap for";
        }
        if (partitions > GspFwHeap.VGPU_VF_PARTITION_COUNT) {
            return "gspFwHeapVfPartitionCount " + partitions + " exceeds GSP-RM's " + GspFwHeap.VGPU_VF_PARTITION_COUNT;
        }
        long heap = partitions > 0 ? GspFwHeap.VGPU_HEAP_SIZE : bareMetalHeap(chip, fbSize);
        // top down, as GSP-RM is placed
        long wprEnd = down(vgaStart, FbLayoutFacts.WPR_END_DOWN_ALIGN);
        long frts = wprEnd - frtsSize(chip);
        long boot = down(frts - bootloaderSize, FbLayoutFacts.BOOTLOADER_DOWN_ALIGN);
        long elf = down(boot - imageSize, FbLayoutFacts.ELF_DOWN_ALIGN);
        long heapEnd = down(elf, FbLayoutFacts.WPR2_HEAP_DOWN_ALIGN);
        long heapStart = down(elf - heap, FbLayoutFacts.WPR2_HEAP_DOWN_ALIGN);
        long wpr = down(heapStart - GspFwWprMeta.SIZE, FbLayoutFacts.WPR2_DOWN_ALIGN);
        long nonWpr = wpr - nonWprHeapSize(chip);
        Object[][] want = {
            {"fbSize", GspFwWprMeta.FB_SIZE, fbSize},
            {"vgaWorkspaceOffset", GspFwWprMeta.VGA_WORKSPACE_OFFSET, vgaStart},
            {"vgaWorkspaceSize", GspFwWprMeta.VGA_WORKSPACE_SIZE, fbSize - vgaStart},
            {"gspFwWprEnd", GspFwWprMeta.GSP_FW_WPR_END, wprEnd},
            {"frtsOffset", GspFwWprMeta.FRTS_OFFSET, frts},
            {"frtsSize", GspFwWprMeta.FRTS_SIZE, frtsSize(chip)},
            {"bootBinOffset", GspFwWprMeta.BOOT_BIN_OFFSET, boot},
            {"gspFwOffset", GspFwWprMeta.GSP_FW_OFFSET, elf},
            {"gspFwHeapOffset", GspFwWprMeta.GSP_FW_HEAP_OFFSET, heapStart},
            {"gspFwHeapSize", GspFwWprMeta.GSP_FW_HEAP_SIZE, heapEnd - heapStart},
            {"gspFwWprStart", GspFwWprMeta.GSP_FW_WPR_START, wpr},
            {"nonWprHeapOffset", GspFwWprMeta.NON_WPR_HEAP_OFFSET, nonWpr},
            {"nonWprHeapSize", GspFwWprMeta.NON_WPR_HEAP_SIZE, wpr - nonWpr},
            {"gspFwRsvdStart", GspFwWprMeta.GSP_FW_RSVD_START, nonWpr},
        };
        for (Object[] w : want) {
            long got = GspFwWprMeta.get(meta, (Integer) w[1]);
            if (got != (Long) w[2]) {
                return String.format("%s 0x%x, GSP-RM needs 0x%x (%s, %s heap)", w[0], got, w[2], chip,
                        partitions > 0 ? "vGPU" : libos(chip) + " bare-metal");
            }
        }
        long pmu = GspFwWprMeta.getU32(meta, GspFwWprMeta.PMU_RESERVED_SIZE);
        if (pmu != pmuReservedSize(chip)) {
            return String.format("pmuReservedSize 0x%x, %s reserves 0x%x for the PMU", pmu, chip,
                    pmuReservedSize(chip));
        }
        return null;
    }
}
