package org.nova.nvidia.fifo;

import java.util.Optional;
import org.nova.nvidia.Architecture;

/**
 * The usermode doorbell: a write of a channel's work-submit token to NOTIFY_CHANNEL_PENDING tells
 * the host that the channel's GP_PUT moved. The register is {@code NVC361_NOTIFY_CHANNEL_PENDING}
 * (open-gpu-kernel-modules src/common/sdk/nvidia/inc/class/clc361.h, {@code VOLTA_USERMODE_A},
 * offset 0x90 within the usermode region); the region's place in BAR0 follows nouveau
 * (nvkm/subdev/vfn/tu102.c and ga100.c: the VFN block at 0xb80000, the usermode region at +0x30000
 * for Turing, Ampere and Ada). Hopper moves the usermode region (dev_vm.h of gh100) and Blackwell's
 * was not read: neither is declared.
 */
public final class Doorbell {
    /** The VFN block in BAR0 (nouveau tu102_vfn_new/ga100_vfn_new: {@code 0xb80000}). */
    public static final int VFN_BASE = 0xb8_0000;
    /** The usermode region within the VFN block (nouveau tu102_vfn/ga100_vfn {@code .user} address). */
    public static final int USERMODE_OFFSET = 0x03_0000;
    /** {@code NVC361_NOTIFY_CHANNEL_PENDING} within the usermode region (clc361.h). */
    public static final int NOTIFY_CHANNEL_PENDING = 0x90;

    private Doorbell() {
    }

    /** @return the BAR0 offset of NOTIFY_CHANNEL_PENDING on {@code arch}, empty where it is not declared */
    public static Optional<Integer> notifyChannelPending(Architecture arch) {
        return switch (arch) {
            case TURING, AMPERE, ADA -> Optional.of(VFN_BASE + USERMODE_OFFSET + NOTIFY_CHANNEL_PENDING);
            default -> Optional.empty();
        };
    }

    /**
     * The work-submit token GSP-RM returns for a channel (NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN):
     * nouveau computes the same value itself (nvkm/subdev/gsp/rm/r535/fifo.c,
     * {@code r535_chan_doorbell_handle}: the runlist ID in bits 31:16, the channel ID below).
     */
    public static int token(int runlist, int chid) {
        return runlist << TOKEN_RUNLIST_SHIFT | chid;
    }

    /** @return the channel ID in a work-submit token (its bits 15:0) */
    public static int chidOf(int token) {
        return token & ((1 << TOKEN_RUNLIST_SHIFT) - 1);
    }

    /** Where the runlist ID starts in a work-submit token. */
    private static final int TOKEN_RUNLIST_SHIFT = 16;
}
