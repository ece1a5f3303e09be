package org.nova.hw.sim.gpu;

import org.nova.nvidia.FbLayoutFacts;
import org.nova.nvidia.regs.Pbus;
import org.nova.nvidia.regs.Pdisp;
import org.nova.nvidia.regs.Pfb;
import org.nova.nvidia.regs.Pgc6;

/**
 * The framebuffer as nova-core's fb.rs lays VRAM out from the registers: its size (PFB's
 * PRI_MMU_LOCAL_MEMORY_RANGE, read on Turing and GA100, and PGC6's NV_USABLE_FB_SIZE_IN_MB, read
 * from GA102 on: fb/hal), the VGA workspace PDISP reports just below the end of VRAM, and the WPR2
 * region FWSEC-FRTS carves out for the FRTS data (PFB's PRI_MMU_WPR2_ADDR_LO/HI), with the outcome
 * FWSEC-FRTS leaves in PBUS's SW_SCRATCH_0E_FRTS_ERR (gsp/boot.rs run_fwsec_frts reads both).
 *
 * <p>Owns the WPR2 bounds: only the secure firmware models change them ({@link SimFwsec} creates
 * WPR2, or {@link SimBooter}'s booter_load on a chip without FRTS; booter_unload tears it down);
 * to the host they are read-only.
 */
final class SimFb implements Bar0Unit {
    /**
     * Where the {@link GpuFault#WPR2_SET} fault finds WPR2 at power-on, below the end of VRAM, as a
     * previous driver's FWSEC-FRTS left it (the simulator's choice).
     */
    static final long PRESET_WPR2_BELOW_END = 64L << 20;
    /** The FRTS error code (frts_err_code) of a region FWSEC-FRTS refuses (the simulator's own). */
    static final int FRTS_ERR_REGION_REFUSED = 1;
    /** Bytes per MiB, the unit of the size registers. */
    private static final int MIB_SHIFT = 20;

    private final long sizeMiB;
    private int wpr2Lo;
    private int wpr2Hi;
    private int frtsErr;

    /**
     * @param sizeMiB usable VRAM in MiB
     * @param wpr2Preset whether WPR2 exists when the GPU is plugged in ({@link GpuFault#WPR2_SET}); a reset clears it
     */
    SimFb(long sizeMiB, boolean wpr2Preset) {
        this.sizeMiB = sizeMiB;
        powerOn();
        if (wpr2Preset) {
            // what a previous driver left: the board was never reset since, so only a reset clears it
            long at = size() - PRESET_WPR2_BELOW_END;
            setWpr2(at, at + FbLayoutFacts.FRTS_SIZE);
        }
    }

    /** Power-on or reset: no WPR2, no FRTS outcome. */
    void powerOn() {
        frtsErr = 0;
        wpr2Lo = 0;
        wpr2Hi = 0;
    }

    /** @return usable VRAM in bytes */
    long size() {
        return sizeMiB << MIB_SHIFT;
    }

    /** @return where the VGA workspace PDISP reports starts: the PRAMIN window, the last MiB of VRAM */
    long vgaWorkspaceStart() {
        return size() - FbLayoutFacts.NV_PRAMIN_SIZE;
    }

    /** @return WPR2's start (inclusive) in bytes */
    long wpr2Start() {
        return Pfb.wpr2LowerBound(wpr2Lo);
    }

    /** @return WPR2's end (exclusive) in bytes, 0 when there is no WPR2 */
    long wpr2End() {
        return Pfb.wpr2HigherBound(wpr2Hi);
    }

    /** @return whether WPR2 exists */
    boolean hasWpr2() {
        return wpr2End() != 0;
    }

    /** FWSEC-FRTS succeeded: WPR2 covers [start, end) and the FRTS error code is 0. */
    void frtsDone(long start, long end) {
        setWpr2(start, end);
        frtsErr = 0;
    }

    /** FWSEC-FRTS failed: it reports {@code code} and creates no WPR2. */
    void frtsFailed(int code) {
        frtsErr = Pbus.FRTS_ERR_CODE.of(code);
    }

    /** booter_load created WPR2 over [start, end) itself (a chip without FRTS: GA100). */
    void wpr2CreatedByBooter(long start, long end) {
        setWpr2(start, end);
    }

    /** booter_unload removed WPR2. */
    void wpr2TornDown() {
        wpr2Lo = 0;
        wpr2Hi = 0;
    }

    private void setWpr2(long start, long end) {
        wpr2Lo = Pfb.wpr2Encode(start);
        wpr2Hi = Pfb.wpr2Encode(end);
    }

    /**
     * Encodes a size as PRI_MMU_LOCAL_MEMORY_RANGE does: lower_mag MiB shifted by lower_scale
     * (no ECC).
     *
     * @throws IllegalArgumentException if the size has no such encoding
     */
    static int localMemoryRange(long mib) {
        int scale = (int) Math.min(Long.numberOfTrailingZeros(mib), Pfb.LOCAL_MEMORY_RANGE_LOWER_SCALE.maxValue());
        long mag = mib >>> scale;
        if (mag > Pfb.LOCAL_MEMORY_RANGE_LOWER_MAG.maxValue()) {
            throw new IllegalArgumentException(mib + " MiB cannot be encoded in LOCAL_MEMORY_RANGE");
        }
        return Pfb.LOCAL_MEMORY_RANGE_LOWER_MAG.of(mag) | Pfb.LOCAL_MEMORY_RANGE_LOWER_SCALE.of(scale);
    }

    @Override
    public boolean decodes(int off) {
        return off == Pfb.PRI_MMU_LOCAL_MEMORY_RANGE.address() || off == Pgc6.USABLE_FB_SIZE_IN_MB.address()
                || off == Pfb.PRI_MMU_WPR2_ADDR_LO.address() || off == Pfb.PRI_MMU_WPR2_ADDR_HI.address()
                || off == Pdisp.VGA_WORKSPACE_BASE.address() || off == Pbus.SW_SCRATCH_0E_FRTS_ERR.address();
    }

    @Override
    public int read(int off) {
        if (off == Pfb.PRI_MMU_LOCAL_MEMORY_RANGE.address()) {
            return localMemoryRange(sizeMiB);
        } else if (off == Pgc6.USABLE_FB_SIZE_IN_MB.address()) {
            return (int) sizeMiB;
        } else if (off == Pfb.PRI_MMU_WPR2_ADDR_LO.address()) {
            return wpr2Lo;
        } else if (off == Pfb.PRI_MMU_WPR2_ADDR_HI.address()) {
            return wpr2Hi;
        } else if (off == Pdisp.VGA_WORKSPACE_BASE.address()) {
            // the workspace sits at the start of the PRAMIN window, the last MiB of VRAM
            long at = vgaWorkspaceStart();
            return Pdisp.VGA_WORKSPACE_ADDR.of(at >>> Pdisp.VGA_WORKSPACE_ADDR_SHIFT)
                    | Pdisp.VGA_WORKSPACE_STATUS_VALID.of(1);
        }
        return frtsErr;
    }

    @Override
    public void write(int off, int value) {
        // The size, WPR2 and the VGA workspace are set by the hardware and secure firmware; the
        // FRTS scratch is an ordinary scratch register the host may write.
        if (off == Pbus.SW_SCRATCH_0E_FRTS_ERR.address()) {
            frtsErr = value;
        }
    }
}
