package org.nova.gpu.internal.mm;

/**
 * Makes page-table changes visible to the GPU: after a {@link PageTableManager} changes entries,
 * cached translations of its page directory must be dropped before the GPU is trusted to see the
 * new tables, and before freed table memory is reused. {@link TlbInvalidate} is the hardware
 * sequence; tests substitute one that does nothing to show that a missing invalidate is observable.
 */
@FunctionalInterface
public interface TlbFlush {
    /**
     * Drops the GPU's cached translations of the address space whose page directory is at
     * {@code pageDirectory}, and returns once the hardware reports it done.
     *
     * @param pageDirectory VRAM address of the root page directory
     * @throws org.nova.driver.DriverException ETIMEDOUT if the hardware does not finish in time
     */
    void invalidate(long pageDirectory);
}
