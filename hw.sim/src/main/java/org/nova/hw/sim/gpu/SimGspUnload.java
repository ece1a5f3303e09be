package org.nova.hw.sim.gpu;

import java.util.concurrent.locks.LockSupport;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.bindings.GspBindings;

/**
 * How the simulated GSP-RM ({@link SimGsp}) handles UNLOADING_GUEST_DRIVER, the driver's unload
 * request (nova-core gsp/boot.rs shutdown_gsp; the payload is the firmware release's
 * rpc_unloading_guest_driver_v1F_07 and the NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_* levels
 * from its generated bindings, {@link GspBindings}):
 * it checks the request, acknowledges it in the GSP queue, tears GSP-RM down and reports the
 * suspend in the GSP falcon's MAILBOX0 ({@link NvidiaGpu#gspUnloaded}).
 *
 * <p>Owned by its {@link SimGsp}, one per GSP-RM run, and called on GSP-RM's thread only; it
 * answers through the SimGsp's queue ({@link SimGsp#send}) and log ({@link SimGsp#log}).
 */
final class SimGspUnload {
    /**
     * How long GSP-RM tears itself down between acknowledging UNLOADING_GUEST_DRIVER and reporting
     * the suspend (the simulator's choice; upstream gives it 5 s).
     */
    static final long SUSPEND_NANOS = 5_000_000L;

    private final SimGsp gsp;
    private final NvidiaGpu gpu;
    private final GspBindings abi;

    SimGspUnload(SimGsp gsp, NvidiaGpu gpu, GspBindings abi) {
        this.gsp = gsp;
        this.gpu = gpu;
        this.abi = abi;
    }

    /**
     * UNLOADING_GUEST_DRIVER (rpc_unloading_guest_driver_v1F_07): a full unload is level 0 with no
     * PM transition and no GC6 entry, which GSP-RM acknowledges, then tears itself down for
     * {@link #SUSPEND_NANOS} and reports the suspend in MAILBOX0 ({@link NvidiaGpu#gspUnloaded}).
     * Levels 3 and 7 (suspend, hibernate: bInPMTransition set) are not modelled and refused with
     * NV_ERR_NOT_SUPPORTED; an inconsistent or unknown request with NV_ERR_INVALID_ARGUMENT. Either
     * refusal leaves GSP-RM running.
     *
     * @return false if GSP-RM stopped
     */
    boolean handle(GspMsgQueue.Endpoint ep, GspMsgQueue.Message m) {
        var u = abi.rpc_unloading_guest_driver_v1F_07();
        byte[] p = m.payload();
        int status = abi.NV_OK();
        String why = null;
        if (p.length < u.size()) {
            status = abi.NV_ERR_INVALID_ARGUMENT();
            why = "payload of " + p.length + " bytes, " + u.size() + " expected";
        } else {
            long level = u.newLevel(p, 0);
            boolean pm = u.bInPMTransition(p, 0) != 0;
            boolean known = level == abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0()
                    || level == abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_3()
                    || level == abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7();
            boolean full = level == abi.NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0();
            if (!known || pm == full || u.bGc6Entering(p, 0) != 0) {
                status = abi.NV_ERR_INVALID_ARGUMENT();
                why = "newLevel " + level + " with bInPMTransition " + u.bInPMTransition(p, 0) + " and bGc6Entering "
                        + u.bGc6Entering(p, 0) + " (level 0 is a full unload without a PM transition, 3 and 7 "
                        + "are PM transitions, GC6 is not entered)";
            } else if (!full) {
                status = abi.NV_ERR_NOT_SUPPORTED();
                why = "a PM transition to level " + level + " is not modelled";
            }
        }
        gsp.send(ep, m.function(), status, m.sequence(), new byte[0]);
        if (why != null) {
            gsp.log(SimLibosLog.Format.UNLOAD_REFUSED, p.length < u.size() ? -1 : u.newLevel(p, 0),
                    Integer.toUnsignedLong(status));
            gpu.log("GSP: UNLOADING_GUEST_DRIVER refused: {}", why);
            return true;
        }
        gsp.log(SimLibosLog.Format.UNLOADING);
        // the teardown takes a while after the acknowledgement: a driver that does not wait for the
        // suspend report resets a GSP-RM that is still running
        LockSupport.parkNanos(SUSPEND_NANOS);
        while (gpu.gspTeardownHeld() && !gsp.stopping()) {
            LockSupport.parkNanos(SimGsp.IDLE_NANOS);
        }
        if (gsp.stopping()) {
            return false;
        }
        gsp.log(SimLibosLog.Format.UNLOADED);
        gsp.bar1().tearDown();
        gpu.gspUnloaded();
        return false;
    }
}
