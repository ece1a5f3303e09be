package org.nova.gpu.internal.fifo;

import org.nova.nvidia.fifo.FifoClasses;
import org.nova.nvidia.fifo.HostMethods;

/**
 * The host methods that end every submission: release the channel's 32-bit semaphore with the
 * sequence number, then raise the non-stall interrupt. Which release a channel uses depends on its
 * GPFIFO class ({@link FifoClasses#hasSemaphoreAtoD}): TURING_CHANNEL_GPFIFO_A and
 * AMPERE_CHANNEL_GPFIFO_A take {@code SEMAPHOREA}..{@code SEMAPHORED} (clc46f.h, clc56f.h), Hopper's
 * and Blackwell's classes only {@code SEM_ADDR_LO}..{@code SEM_EXECUTE} (clc86f.h, clc96f.h,
 * clca6f.h), as UVM's uvm_hopper_host.c {@code uvm_hal_hopper_host_semaphore_release} pushes it. Both
 * fit in one {@link ChannelLayout#SLOT_BYTES} slot.
 *
 * <p>Stateless and thread-safe.
 */
final class FenceMethods {
    private FenceMethods() {
    }

    /**
     * @param gpfifoClass the channel's GPFIFO class
     * @param semVa the semaphore's VA (4-byte aligned)
     * @param payload the value released
     * @return the pushbuffer words: the release, then NON_STALL_INTERRUPT
     */
    static int[] release(int gpfifoClass, long semVa, int payload) {
        int nonStall = HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.NON_STALL_INTERRUPT, 1);
        if (FifoClasses.hasSemaphoreAtoD(gpfifoClass)) {
            return new int[] {
                HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.SEMAPHOREA, 4),
                (int) (semVa >>> 32), (int) semVa, payload,
                (int) (HostMethods.SEMAPHORED_OPERATION.of(HostMethods.SEMAPHORED_OPERATION_RELEASE)
                        | HostMethods.SEMAPHORED_RELEASE_SIZE.of(HostMethods.SEMAPHORED_RELEASE_SIZE_4BYTE)),
                nonStall, 0,
            };
        }
        return new int[] {
            HostMethods.header(HostMethods.SEC_OP_INC_METHOD, 0, HostMethods.SEM_ADDR_LO, 5),
            (int) semVa, (int) (semVa >>> 32), payload, 0,
            (int) (HostMethods.SEM_EXECUTE_OPERATION.of(HostMethods.SEM_EXECUTE_OPERATION_RELEASE)
                    | HostMethods.SEM_EXECUTE_PAYLOAD_SIZE.of(HostMethods.SEM_EXECUTE_PAYLOAD_SIZE_32BIT)),
            nonStall, 0,
        };
    }
}
