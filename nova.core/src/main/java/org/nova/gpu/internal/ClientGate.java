package org.nova.gpu.internal;

import java.util.concurrent.TimeUnit;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;

/**
 * Who may put commands on one GPU's GSP queue besides the driver itself: the clients' channels
 * ({@link Channel}, and through them the vGPU manager's controls, {@link VgpuMgr}), until the GPU
 * unbinds. The ownership rule: the unbind owns the queue from the moment it {@link #close closes}
 * the gate. A call that entered before runs to its end (the unbind waits for it); a call after
 * is refused with ENODEV, as the kernel refuses an operation on a device whose driver is going
 * (a revoked {@code Devres}); only then does the unbind send UNLOADING_GUEST_DRIVER, so no
 * client's command or wait can interleave with the unload (a client waiting for its own reply
 * while GSP-RM unloads and halts would take the halted core for a crash and mark the queue dead
 * under the unload, which then never runs booter_unload and leaves WPR2 behind).
 *
 * <p>Owned by {@link Gpu}; thread-safe.
 */
final class ClientGate {
    private int inFlight;
    private String closed;

    /**
     * A client's call starts; pair with {@link #exit()}.
     *
     * @param what the call, for the refusal ("GSP channel of vgpu.vfio to 0000:00:06.0")
     * @throws DriverException ENODEV once the gate is closed, naming why
     */
    synchronized void enter(String what) {
        if (closed != null) {
            throw new DriverException(Errno.ENODEV, what + " refused: " + closed);
        }
        inFlight++;
    }

    /** A call that {@link #enter entered} ended (returned or failed). */
    synchronized void exit() {
        if (--inFlight == 0) {
            notifyAll();
        }
    }

    /** @return why the gate is closed, null while open */
    synchronized String closedReason() {
        return closed;
    }

    /**
     * Refuses every new call and waits for those in flight, at most {@code timeoutMs} (each is
     * bounded by its own RPC timeout; the bound keeps a client's unusually long timeout from
     * holding the unbind).
     *
     * @param why what later callers are told ("the GPU is unbinding")
     * @return the calls still in flight when the wait ended (0: every one finished)
     */
    synchronized int close(String why, long timeoutMs) {
        if (closed == null) {
            closed = why;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        boolean interrupted = false;
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                interrupted = true; // an unbind completes; the interrupt is kept for the caller
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return inFlight;
    }
}
