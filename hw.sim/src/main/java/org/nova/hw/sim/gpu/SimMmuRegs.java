package org.nova.hw.sim.gpu;

import org.nova.nvidia.mmu.Ramin;
import org.nova.nvidia.regs.Bar1Block;
import org.nova.nvidia.regs.MmuInvalidate;

/**
 * The memory-management registers of the function's {@code NV_VIRTUAL_FUNCTION_PRIV} space the
 * PF's BAR0 shows at 0xb80000 (turing/tu102/dev_vm.h; nouveau bar/tu102.c, mmu/vmmtu102.c): the
 * BAR1 block and its bind status, and the TLB invalidate. A BAR1 block write in VIRTUAL mode
 * makes BAR1 translate through the named instance block ({@link SimBar1}); PHYSICAL mode (the
 * power-on value) keeps BAR1 a linear window onto VRAM. The bind completes at once (bind status
 * reads 0). An invalidate with TRIGGER drops the TLB's translations of the page directory in
 * PDB/UPPER_PDB, or of every page directory with ALL_PDB, and completes at once (TRIGGER reads
 * back 0). Only ALL_VA invalidates are modelled: one without ALL_VA names a VA range through
 * registers the published headers do not declare, so it drops nothing and is logged — a driver
 * relying on it sees stale translations.
 *
 * <p>Called with the function's lock held; owns the registers' values.
 */
final class SimMmuRegs implements Bar0Unit {
    private final NvidiaGpu gpu;
    private final SimTlb tlb;
    private int bar1Block;
    private int pdb;
    private int upperPdb;
    private int invalidate;

    SimMmuRegs(NvidiaGpu gpu, SimTlb tlb) {
        this.gpu = gpu;
        this.tlb = tlb;
    }

    /** Power-on: BAR1 physical, no invalidate pending. */
    void powerOn() {
        bar1Block = 0;
        pdb = 0;
        upperPdb = 0;
        invalidate = 0;
        gpu.bar1Relayout();
    }

    /** @return the VRAM address of BAR1's instance block, or -1 while BAR1 is physical (linear) */
    long bar1InstBlock() {
        if (Bar1Block.FUNC_BAR1_BLOCK_MODE.get(bar1Block) != Bar1Block.MODE_VIRTUAL) {
            return -1;
        }
        return Integer.toUnsignedLong(Bar1Block.FUNC_BAR1_BLOCK_PTR.get(bar1Block)) << Bar1Block.PTR_SHIFT;
    }

    /** @return whether BAR1's instance block is in VRAM (the only target the simulator walks) */
    boolean bar1BlockInVram() {
        return Bar1Block.FUNC_BAR1_BLOCK_TARGET.get(bar1Block) == Bar1Block.TARGET_VID_MEM;
    }

    @Override
    public boolean decodes(int off) {
        return off == Bar1Block.FUNC_BAR1_BLOCK.address() || off == Bar1Block.FUNC_BIND_STATUS.address()
                || off == MmuInvalidate.PDB.address() || off == MmuInvalidate.UPPER_PDB.address()
                || off == MmuInvalidate.INVALIDATE.address();
    }

    @Override
    public int read(int off) {
        if (off == Bar1Block.FUNC_BAR1_BLOCK.address()) {
            return bar1Block;
        }
        if (off == MmuInvalidate.PDB.address()) {
            return pdb;
        }
        if (off == MmuInvalidate.UPPER_PDB.address()) {
            return upperPdb;
        }
        if (off == MmuInvalidate.INVALIDATE.address()) {
            return invalidate;
        }
        return 0; // bind status: binds complete at once
    }

    @Override
    public void write(int off, int v) {
        if (off == Bar1Block.FUNC_BAR1_BLOCK.address()) {
            bar1Block = v;
            gpu.info("BAR1 block {}", Bar1Block.FUNC_BAR1_BLOCK.describe(v));
            gpu.bar1Relayout();
        } else if (off == MmuInvalidate.PDB.address()) {
            pdb = v;
        } else if (off == MmuInvalidate.UPPER_PDB.address()) {
            upperPdb = v;
        } else if (off == MmuInvalidate.INVALIDATE.address()) {
            invalidate = MmuInvalidate.INVALIDATE_TRIGGER.set(v, false);
            if (MmuInvalidate.INVALIDATE_TRIGGER.isSet(v)) {
                if (run(v)) {
                    // the CPU's BAR1 mapping is the TLB's view: it changes when BAR1's entries drop
                    gpu.bar1Relayout();
                }
            }
        }
    }

    /** @return whether BAR1's translations were dropped */
    private boolean run(int v) {
        if (!MmuInvalidate.INVALIDATE_ALL_VA.isSet(v)) {
            gpu.log("MMU invalidate 0x{} without ALL_VA: targeted invalidates are not modelled, nothing dropped",
                    Integer.toHexString(v));
            return false;
        }
        if (MmuInvalidate.INVALIDATE_ALL_PDB.isSet(v)) {
            tlb.invalidateAll();
            return true;
        }
        long dir = (Integer.toUnsignedLong(MmuInvalidate.PDB_ADDR.get(pdb)) << MmuInvalidate.PDB_ADDR_SHIFT)
                | (Integer.toUnsignedLong(MmuInvalidate.UPPER_PDB_ADDR.get(upperPdb)) << MmuInvalidate.PDB_LOW_BITS);
        tlb.invalidate(dir);
        long inst = bar1InstBlock();
        return inst >= 0 && bar1BlockInVram()
                && Ramin.pageDir(gpu.vramRead(inst + Ramin.PAGE_DIR_BASE_OFFSET, Long.BYTES)) == dir;
    }
}
