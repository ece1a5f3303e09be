package org.nova.hw.sim.gpu;

import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.FaultType;

/**
 * One GPU MMU fault as the simulated GPU records it: what a fault buffer entry carries that the
 * simulator knows (dev_fault.h's fault and access types, the faulting VA, the instance block of
 * the address space) plus which client it was and a line saying why.
 *
 * @param instBlock the VRAM address of the instance block translated through
 * @param va the faulting virtual address
 * @param access what the client tried
 * @param type why the MMU refused
 * @param client who accessed ("BAR1", "GPU")
 * @param reason the level and entry that faulted, for logs and test messages
 */
public record SimMmuFault(long instBlock, long va, FaultAccess access, FaultType type, String client, String reason) {
    @Override
    public String toString() {
        return String.format("%s %s fault at VA 0x%x (%s, inst 0x%x): %s", client, type, va, access, instBlock, reason);
    }
}
