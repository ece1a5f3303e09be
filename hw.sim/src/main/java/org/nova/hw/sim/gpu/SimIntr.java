package org.nova.hw.sim.gpu;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.nova.nvidia.regs.FalconEngine;
import org.nova.nvidia.regs.Pfalcon;

/**
 * The GPU's interrupt toward the CPU, as far as the simulator models it: the GSP falcon's SWGEN0,
 * which GSP-RM raises after writing to its message queue (GSP to CPU). While SWGEN0 is pending the
 * GPU signals its interrupt through the platform ({@link GpuHost#interrupt}: MSI vector 0, or INTx
 * asserted); the driver acknowledges it by writing SWGEN0 to the GSP falcon's IRQSCLR, which drops
 * INTx. IRQSCLR itself stays the falcon's register ({@link SimFalcon}): this unit only watches writes
 * to it.
 *
 * <p>Threading: raised from GSP-RM's thread, cleared within a register access; the pending bit is
 * volatile.
 */
final class SimIntr {
    /** The GSP falcon's interrupt-status-clear register (absolute BAR0 offset). */
    static final int GSP_IRQSCLR = Pfalcon.IRQSCLR.address(FalconEngine.GSP);

    private final Supplier<GpuHost> host;
    /** SWGEN0 is pending: GSP-RM wrote to its message queue, the driver has not cleared it. */
    private volatile boolean swgen0;
    /** GSP -> CPU message-queue interrupts raised (for tests and diagnostics). */
    private final AtomicLong raised = new AtomicLong();
    /** A non-stall interrupt pends ({@link #raiseNonstall}). */
    private volatile boolean nonstall;
    /** Non-stall interrupts raised. */
    private final AtomicLong nonstallRaised = new AtomicLong();

    /** @param host the platform side at the time of the interrupt (the GPU may be started later) */
    SimIntr(Supplier<GpuHost> host) {
        this.host = host;
    }

    /**
     * A channel's engine raised its non-stall interrupt (NON_STALL_INTERRUPT, {@link SimFifo}): the
     * GPU signals its interrupt. NVIDIA routes it through a vector of the CPU interrupt tree that
     * GSP-RM names (NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE); the simulator does not model that
     * tree, so the cause pends here and the driver's acknowledgement of the message-queue interrupt
     * (the GSP's IRQSCLR write) clears it too: a driver that polls its channels' semaphores in its
     * interrupt handler after that write misses no completion.
     */
    void raiseNonstall() {
        nonstall = true;
        nonstallRaised.incrementAndGet();
        host.get().interrupt(true);
    }

    /** GSP-RM wrote to its message queue: SWGEN0 pends and the GPU signals its interrupt. */
    void raiseMsgq() {
        swgen0 = true;
        raised.incrementAndGet();
        host.get().interrupt(true);
    }

    /**
     * A host write to BAR0: one that clears SWGEN0 in the GSP's IRQSCLR acknowledges the
     * message-queue interrupt, the cause clears and INTx drops.
     */
    void registerWritten(int off, int value) {
        if (off == GSP_IRQSCLR && Pfalcon.IRQSCLR_SWGEN0.get(value) != 0) {
            swgen0 = false;
            nonstall = false;
            host.get().interrupt(false);
        }
    }

    /** @return how many message-queue interrupts GSP-RM raised */
    long raised() {
        return raised.get();
    }

    /** @return non-stall interrupts raised */
    long nonstallRaised() {
        return nonstallRaised.get();
    }

    /** @return whether SWGEN0 is pending */
    boolean pending() {
        return swgen0;
    }
}
