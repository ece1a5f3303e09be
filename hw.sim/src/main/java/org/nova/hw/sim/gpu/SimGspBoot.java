package org.nova.hw.sim.gpu;

import java.io.IOException;
import java.util.Optional;
import org.nova.nvidia.FormatException;
import org.nova.nvidia.gsp.GspAbi;
import org.nova.nvidia.regs.Pfalcon;
import org.nova.nvidia.regs.Pgc6;

/**
 * What the hardware does at each step of nova-core's GSP boot (gsp/boot.rs) beyond the ucodes
 * themselves: the GSP falcon started with the LibOS arguments' address in its mailboxes (its
 * RISC-V core waits for the booter), the booter starting GSP-RM ({@link SimGsp}, on its own
 * thread, with the bindings of the trusted firmware's release), GSP-RM's mid-initialisation core
 * resume through SEC2-RTOS, which the CPU sequencer triggers (gsp/sequencer.rs) and which reports
 * in BSI_SECURE_SCRATCH_14, and the end of GSP-RM: crash, unload or a reset.
 *
 * <p>The unload as gsp/boot.rs and gsp/hal/tu102.rs do it: GSP-RM acknowledges
 * UNLOADING_GUEST_DRIVER, suspends and reports it in the GSP falcon's MAILBOX0
 * (LIBOS_PROCESSOR_SUSPENDED); FWSEC-SB then puts the GSP falcon back in its pre-LibOS state; only
 * then does booter_unload tear WPR2 down. What GSP-RM left when its core was reset or crashed
 * while it ran (it never suspended) is remembered until a reset: booter_unload refuses it
 * ({@link #unloadRefusal}).
 *
 * <p>The command queue doorbell (NV_PGSP_QUEUE_HEAD) is not modelled: the driver's write lands in
 * the GSP falcon's window ({@link SimFalcon}), and GSP-RM finds commands by polling its queue.
 *
 * <p>Owns the running GSP-RM and the boot hand-off state. Threading: register accesses and resets
 * come with the function's lock held; GSP-RM's thread calls {@link #prepareCoreResume},
 * {@link #crashed} and {@link #unloaded}; the state both share is volatile.
 */
final class SimGspBoot implements Bar0Unit {
    private final NvidiaGpu gpu;
    private final SimFalcon gsp;
    private final TrustedFirmware trusted;
    /** The LibOS arguments the GSP falcon was started with (MAILBOX1:MAILBOX0). */
    private volatile long libosAddr;
    private volatile SimGsp gspRm;
    /** BSI_SECURE_SCRATCH_14: GSP-RM sets boot_stage_3_handoff once it resumed; read-only to the host. */
    private volatile int bsiScratch14;
    /** GSP-RM staged SEC2-RTOS in SEC2 for a core resume; SEC2's next start runs it (a reset scrubs it). */
    private volatile boolean sec2RtosStaged;
    /** The GSP falcon was started with LibOS arguments since FWSEC-SB last put it in its pre-LibOS state. */
    private volatile boolean libosStarted;
    /** GSP-RM stopped without suspending (its core was reset or it crashed while it ran); only a reset clears it. */
    private volatile String uncleanEnd;

    SimGspBoot(NvidiaGpu gpu, SimFalcon gsp, TrustedFirmware trusted) {
        this.gpu = gpu;
        this.gsp = gsp;
        this.trusted = trusted;
    }

    /** @return the GSP falcon, whose RISC-V core runs GSP-RM */
    SimFalcon gspFalcon() {
        return gsp;
    }

    /** Power-on or reset: GSP-RM stops, nothing is staged or handed off. */
    void powerOn() {
        SimGsp g = gspRm;
        if (g != null) {
            g.stop();
            gspRm = null;
        }
        bsiScratch14 = 0;
        sec2RtosStaged = false;
        libosStarted = false;
        uncleanEnd = null;
    }

    /**
     * The driver started the GSP falcon with something other than FWSEC: the LibOS arguments'
     * address in the mailboxes. The RISC-V core waits for the booter; the falcon halts at once.
     */
    void libosArgumentsGiven(SimFalcon f) {
        libosAddr = f.mailboxes();
        libosStarted = true;
        f.finish(f.mailbox0());
    }

    /** The framebuffer regions of the WPR metadata booter_load accepted last (GSP-RM reports them). */
    private volatile SimFbRegions fbRegions = new SimFbRegions(java.util.List.of());

    /** booter_load accepted the WPR metadata laying out these regions. */
    void fbRegions(SimFbRegions r) {
        fbRegions = r;
    }

    /**
     * Hopper and Blackwell: GSP-FMC, booted by the FSP's chain of trust, starts GSP-RM with the
     * LibOS arguments the GSP_FMC_BOOT_PARAMS named ({@link SimFsp}).
     */
    void startGspRmFromFmc(long libosArguments) {
        libosAddr = libosArguments;
        startGspRm();
    }

    /** booter_load checked the firmware: GSP-RM starts on the GSP's RISC-V core. */
    void startGspRm() {
        gsp.startRiscv();
        String release;
        try {
            release = trusted.gspRelease();
        } catch (IOException | FormatException e) {
            gpu.log("GSP: cannot read the trusted GSP firmware's version: {}", e.toString());
            return;
        }
        Optional<GspAbi> abi = GspAbi.forVersion(release);
        if (abi.isEmpty()) {
            gpu.log("GSP: no ABI bindings for firmware {}: GSP-RM idles", release);
            return;
        }
        SimGsp old = gspRm;
        if (old != null) {
            old.stop();
        }
        SimGsp g = new SimGsp(gpu, abi.get(), libosAddr, gpu.options().fault(), fbRegions);
        gspRm = g;
        if (!g.libosInit()) {
            return;
        }
        g.start(gpu.options().chipset().name());
    }

    /** Makes GSP-RM crash now: its thread stops and the RISC-V core halts. */
    void crash() {
        SimGsp g = gspRm;
        if (g != null) {
            g.stop();
        }
        crashed();
    }

    /** GSP-RM crashed (from its thread): the RISC-V core halts; it never suspended. */
    void crashed() {
        gsp.haltRiscv();
        gspRm = null;
        uncleanEnd = "GSP-RM crashed";
    }

    /**
     * GSP-RM refused to initialise (from its thread: {@link SimBootParams}): the core halts before
     * GSP-RM kept any state in WPR2, so booter_unload may tear WPR2 down without a reset.
     */
    void initFailed() {
        gsp.haltRiscv();
        gspRm = null;
    }

    /**
     * GSP-RM unloaded (UNLOADING_GUEST_DRIVER, from its thread): it stops, the core halts, and
     * it reports the suspend in MAILBOX0, last, so a driver that sees the bit finds it all done.
     */
    void unloaded() {
        gsp.haltRiscv();
        gspRm = null;
        gsp.raiseMailbox0(Pfalcon.MAILBOX0_LIBOS_PROCESSOR_SUSPENDED.of(1));
    }

    /** FWSEC-SB ran on the GSP falcon: it is back in its pre-LibOS state. */
    void fwsecSbRan() {
        libosStarted = false;
    }

    /**
     * @return why booter_unload must refuse to tear WPR2 down now, or null: GSP-RM still runs, or
     *     it ended without suspending (its state in WPR2 is unknown), or the GSP falcon was not put
     *     back in its pre-LibOS state by FWSEC-SB ({@link #sbSkipped})
     */
    String unloadRefusal() {
        if (gsp.riscvActive()) {
            return "GSP-RM still runs";
        }
        return uncleanEnd;
    }

    /** @return whether the GSP falcon ran LibOS since FWSEC-SB last reset it to its pre-LibOS state */
    boolean sbSkipped() {
        return libosStarted;
    }

    /**
     * A falcon went through engine reset. Resetting the GSP under a running GSP-RM stops it, as a
     * reset stops any firmware; only a GSP-RM that saved its state for a core resume survives.
     * Resetting SEC2 scrubs a staged SEC2-RTOS.
     */
    void falconReset(SimFalcon f) {
        if (f == gsp) {
            SimGsp g = gspRm;
            if (g != null && !g.awaitingResume()) {
                gpu.log("GSP: reset while GSP-RM runs (it did not suspend): GSP-RM stops");
                g.stop();
                gspRm = null;
                uncleanEnd = "GSP-RM's core was reset while it ran, before it suspended (no acknowledged "
                        + "UNLOADING_GUEST_DRIVER)";
            }
        } else {
            sec2RtosStaged = false;
        }
    }

    /**
     * booter_unload tore WPR2 down: whatever GSP-RM kept there is gone, so a GSP-RM halted for a
     * core resume (a boot abandoned by a failed probe) can never resume, and no SEC2-RTOS is
     * staged for it.
     */
    void wpr2TornDown() {
        SimGsp g = gspRm;
        if (g != null) {
            gpu.log("GSP: WPR2 torn down under a halted GSP-RM: its saved state is gone");
            g.stop();
            gspRm = null;
        }
        sec2RtosStaged = false;
    }

    /**
     * GSP-RM's mid-initialisation reset (from its thread): it saved its state in WPR2, staged
     * SEC2-RTOS and asks the driver's CPU sequencer to reset the GSP core and resume it.
     */
    void prepareCoreResume() {
        bsiScratch14 = 0;
        sec2RtosStaged = true;
    }

    /** @return whether SEC2's next start runs SEC2-RTOS rather than the booter */
    boolean sec2RtosStaged() {
        return sec2RtosStaged;
    }

    /**
     * SEC2-RTOS started by the sequencer's core resume: it checks that GSP-RM waits and that the
     * GSP's mailboxes hold the LibOS arguments it booted with, then resumes GSP-RM on the GSP's
     * RISC-V core and reports the hand-off in BSI_SECURE_SCRATCH_14. SEC2-RTOS keeps running (its
     * CPU does not halt); MAILBOX0 holds its verdict: 0 when GSP-RM resumed, else one of
     * {@link NvidiaGpu}'s SEC2_ERR_ codes (the real ones are not public).
     */
    void runSec2Rtos(SimFalcon sec2) {
        sec2RtosStaged = false;
        SimGsp g = gspRm;
        long args = gsp.mailboxes();
        if (g == null || !g.awaitingResume()) {
            gpu.log("SEC2-RTOS: no GSP-RM waits to be resumed");
            sec2.post(NvidiaGpu.SEC2_ERR_NOTHING_TO_RESUME);
        } else if (args != libosAddr) {
            gpu.log("SEC2-RTOS: the GSP's mailboxes hold 0x{}, GSP-RM booted with LibOS arguments at 0x{}",
                    Long.toHexString(args), Long.toHexString(libosAddr));
            sec2.post(NvidiaGpu.SEC2_ERR_LIBOS_ARGS);
        } else if (gpu.options().fault() == GpuFault.SEC2_RESUME_ERROR) {
            gpu.log("SEC2-RTOS: resume refused (fault)");
            sec2.post(NvidiaGpu.SEC2_ERR_RESUME);
        } else {
            gsp.startRiscv();
            sec2.post(0);
            bsiScratch14 = Pgc6.BSI_BOOT_STAGE_3_HANDOFF.set(bsiScratch14, true);
            g.resume();
        }
    }

    @Override
    public boolean decodes(int off) {
        return off == Pgc6.BSI_SECURE_SCRATCH_14.address();
    }

    @Override
    public int read(int off) {
        return bsiScratch14;
    }

    @Override
    public void write(int off, int value) {
        // BSI_SECURE_SCRATCH_14 is written by secure firmware only
    }
}
