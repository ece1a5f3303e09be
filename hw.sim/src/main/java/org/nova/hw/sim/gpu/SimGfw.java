package org.nova.hw.sim.gpu;

import org.nova.nvidia.regs.Pgc6;

/**
 * GFW, the GPU's own boot firmware, as nova-core's gfw.rs waits for it. After power-on or a
 * reset it runs for {@link #BOOT_DELAY_NANOS}, counting its progress up in PGC6's
 * AON_SECURE_SCRATCH_GROUP_05_0_GFW_BOOT; when it completes, the progress reads
 * {@link Pgc6#GFW_BOOT_PROGRESS_COMPLETED} and FWSEC has lowered the privilege level mask
 * (read_protection_level0) that lets the host read it. The {@link GpuFault#GFW_HANG} fault keeps it
 * from ever completing. Both registers are read-only to the host.
 */
final class SimGfw implements Bar0Unit {
    /** How long after power-on or reset GFW boot reports completion. */
    static final long BOOT_DELAY_NANOS = 20_000_000L;
    /*
     * The progress values GFW reports on its way are not public: the simulator's own count starts
     * at PROGRESS_AT_POWER_ON and climbs PROGRESS_PER_MS per millisecond, never reaching completion.
     */
    /** GFW_BOOT progress right after power-on. */
    private static final int PROGRESS_AT_POWER_ON = 0x10;
    /** GFW_BOOT progress gained per millisecond of boot. */
    private static final int PROGRESS_PER_MS = 8;
    /** The highest progress before completion. */
    private static final int PROGRESS_LAST_STEP = Pgc6.GFW_BOOT_PROGRESS_COMPLETED - 1;
    /** Nanoseconds per millisecond. */
    private static final long NANOS_PER_MS = 1_000_000L;

    private final boolean hangs;
    private long poweredOnAt;

    /** @param hangs whether GFW never completes ({@link GpuFault#GFW_HANG}) */
    SimGfw(boolean hangs) {
        this.hangs = hangs;
        powerOn();
    }

    /** Power-on or reset: GFW starts booting now. */
    void powerOn() {
        poweredOnAt = System.nanoTime();
    }

    private boolean done() {
        return !hangs && System.nanoTime() - poweredOnAt >= BOOT_DELAY_NANOS;
    }

    @Override
    public boolean decodes(int off) {
        return off == Pgc6.GFW_BOOT.address() || off == Pgc6.AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK.address();
    }

    @Override
    public int read(int off) {
        boolean done = done();
        if (off == Pgc6.AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK.address()) {
            return Pgc6.PRIV_LEVEL_MASK_READ_PROTECTION_LEVEL0.set(0, done);
        }
        if (done) {
            return Pgc6.GFW_BOOT_PROGRESS.of(Pgc6.GFW_BOOT_PROGRESS_COMPLETED);
        }
        long ms = (System.nanoTime() - poweredOnAt) / NANOS_PER_MS;
        return Pgc6.GFW_BOOT_PROGRESS.of(Math.min(PROGRESS_LAST_STEP, PROGRESS_AT_POWER_ON + ms * PROGRESS_PER_MS));
    }

    @Override
    public void write(int off, int value) {
        // written by GFW and FWSEC only
    }
}
