package org.nova.hw.sim.gpu;

/**
 * GSP-RM's ownership of BAR1, as the simulated GSP-RM models it: the instance block and root
 * directory it sets up at init and reports as GspStaticConfigInfo.bar1PdeBase, and gives back at
 * unload. Owned by its {@link SimGsp}; state lives as long as that GSP-RM runs.
 */
final class SimGspBar1 {
    private final NvidiaGpu gpu;
    private final SimFbRegions fbRegions;
    /** BAR1's root directory GSP-RM set up at init (reported as bar1PdeBase), 0 if none. */
    private long bar1Root;

    SimGspBar1(NvidiaGpu gpu, SimFbRegions fbRegions) {
        this.gpu = gpu;
        this.fbRegions = fbRegions;
    }

    /** @return the root directory reported to the driver, 0 when BAR1 stays physical */
    long root() {
        return bar1Root;
    }

    /**
     * GSP-RM owns BAR1 once it runs (open-gpu-kernel-modules kern_bus: RM sets up BAR1's address
     * space and binds it; nouveau's r535_bar_bar1_init then takes RM's root directory,
     * GspStaticConfigInfo.bar1PdeBase, for the root of its own BAR1 tables and never writes the
     * BAR1 block): at init, an instance block and an empty root directory (PD3) in the first
     * 8 KiB of GSP-RM's non-WPR heap, the address limit at the end of BAR1, BAR1 bound VIRTUAL.
     * Every CPU access through BAR1 then faults until the driver maps pages beneath the root.
     * The root is of the chip's MMU format (PD3 of version 2 on Turing to Ada, PD4 of version 3
     * on Hopper and Blackwell, which boot through the FSP but bind BAR1 the same way). Without a
     * reserved non-WPR heap region (fb-region faults) BAR1 stays physical and no root is reported.
     */
    void setUp() {
        long heap = fbRegions.regions().stream()
                .filter(r -> r.reserved() != 0 && !r.protectedMemory() && r.base() > 0)
                .mapToLong(SimFbRegions.Region::base).findFirst().orElse(-1);
        if (heap < 0) {
            gpu.log("GSP: no non-WPR heap reported: BAR1 left physical");
            return;
        }
        long inst = heap;
        long root = heap + org.nova.nvidia.mmu.Ramin.SIZE;
        for (long o = 0; o < 2 * org.nova.nvidia.mmu.Ramin.SIZE; o += Long.BYTES) {
            gpu.vramWrite(inst + o, Long.BYTES, 0);
        }
        gpu.vramWrite(inst + org.nova.nvidia.mmu.Ramin.PAGE_DIR_BASE_OFFSET, Long.BYTES,
                org.nova.nvidia.mmu.Ramin.pageDirBaseV2(root));
        gpu.vramWrite(inst + org.nova.nvidia.mmu.Ramin.ADR_LIMIT_OFFSET, Long.BYTES,
                org.nova.nvidia.mmu.Ramin.adrLimit(NvidiaGpu.BAR1_SIZE - 1));
        int v = org.nova.nvidia.regs.Bar1Block.FUNC_BAR1_BLOCK_PTR.of(inst >>> org.nova.nvidia.regs.Bar1Block.PTR_SHIFT);
        v = org.nova.nvidia.regs.Bar1Block.FUNC_BAR1_BLOCK_TARGET.set(v, org.nova.nvidia.regs.Bar1Block.TARGET_VID_MEM);
        v = org.nova.nvidia.regs.Bar1Block.FUNC_BAR1_BLOCK_MODE.set(v, org.nova.nvidia.regs.Bar1Block.MODE_VIRTUAL);
        gpu.write(org.nova.nvidia.regs.Bar1Block.FUNC_BAR1_BLOCK.address(), 4, Integer.toUnsignedLong(v));
        bar1Root = root;
    }

    /**
     * At unload GSP-RM gives BAR1 back physical (the simulator's choice: the next driver finds the
     * power-on mode, as after a reset); root entries the driver left are logged, the driver
     * owns what they point at.
     */
    void tearDown() {
        if (bar1Root == 0) {
            return;
        }
        org.nova.nvidia.mmu.MmuLevel rootLevel = org.nova.nvidia.mmu.MmuHal.of(gpu.architecture()).format().root();
        for (int i = 0; i < rootLevel.entries(); i++) {
            long e = gpu.vramRead(bar1Root + (long) i * rootLevel.entrySize(), Long.BYTES);
            if (e != 0) {
                gpu.info("GSP: BAR1 root entry {} still 0x{} at unload (the driver frees its tables after)", i,
                        Long.toHexString(e));
            }
        }
        gpu.write(org.nova.nvidia.regs.Bar1Block.FUNC_BAR1_BLOCK.address(), 4, 0);
        bar1Root = 0;
    }

}
