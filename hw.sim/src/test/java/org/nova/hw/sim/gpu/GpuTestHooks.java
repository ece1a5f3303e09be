package org.nova.hw.sim.gpu;

/** Test access to the simulated GPU's internals from other packages. */
public final class GpuTestHooks {
    private GpuTestHooks() {
    }

    /** Raises the GSP message-queue interrupt as GSP-RM does after writing a message. */
    public static void raiseMsgqInterrupt(NvidiaGpu gpu) {
        gpu.raiseMsgqInterrupt();
    }
}
