package org.nova.nvidia.fifo;

import java.util.Optional;
import org.nova.nvidia.Architecture;

/**
 * The usermode doorbell: a write of a channel's work-submit token to NOTIFY_CHANNEL_PENDING tells the
 * host that the channel's GP_PUT moved. The register is {@code NVC361_NOTIFY_CHANNEL_PENDING}
 * (open-gpu-kernel-modules src/common/sdk/nvidia/inc/class/clc361.h, {@code VOLTA_USERMODE_A}, offset
 * 0x90 within the usermode region); the region's place in BAR0 follows nouveau
 * (nvkm/subdev/vfn/tu102.c and ga100.c: the VFN block at 0xb80000, the usermode region at +0x30000 for
 * Turing, Ampere and Ada; nvkm/subdev/vfn/r535.c in its version that sets {@code user.addr} itself
 * (after the rm/gpu.h split), the same +0x30000 for every GSP-RM chip, Hopper and Blackwell included).
 * NVIDIA's register manuals agree for the newer chips (open-gpu-kernel-modules
 * src/common/inc/swref/published/hopper/gh100/dev_vm.h at 877fd23cf0ed: {@code NV_VIRTUAL_FUNCTION}
 * 0x3ffff:0x30000; blackwell/gb100/dev_vm.h: {@code NV_VIRTUAL_FUNCTION_FULL_PHYS_OFFSET} at 0xb80000
 * and {@code NV_VIRTUAL_FUNCTION_USER} at 0x30000 (448d5cc65624); blackwell/gb202/dev_vm.h
 * (877fd23cf0ed): {@code NV_VIRTUAL_FUNCTION_DOORBELL} 0x30090), so NOTIFY_CHANNEL_PENDING is at BAR0
 * 0xbb0090 on every architecture declared.
 *
 * <p>The token's layout is per chip family in GSP-RM ({@code kfifoGenerateWorkSubmitTokenHal_GA100}
 * for TU10x..GH100, {@code _GB100} for GB10x, {@code _GB202} for GB20x;
 * src/nvidia/src/kernel/gpu/fifo/arch/blackwell/kernel_fifo_gb100.c and kernel_fifo_gb202.c): the
 * runlist in bits 22:16 and the channel in the low bits everywhere, and on GB20x also {@code
 * NV_VIRTUAL_FUNCTION_DOORBELL_RUNLIST_DOORBELL} (bit 30) set to ENABLE. nouveau computes the same
 * (nvkm/engine/fifo/gb202.c {@code gb202_chan_doorbell_handle}: {@code BIT(30) | runlist << 16 |
 * chid}).
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

    /**
     * {@code NV_VIRTUAL_FUNCTION_DOORBELL_RUNLIST_DOORBELL_ENABLE} in a GB20x token (gb202/dev_vm.h:
     * field 30:30, ENABLE 1).
     */
    public static final int RUNLIST_DOORBELL_ENABLE = 1 << 30;

    /**
     * @return the BAR0 offset of NOTIFY_CHANNEL_PENDING on {@code arch}; every architecture has one (an
     *         Optional for the 1.0 signature)
     */
    public static Optional<Integer> notifyChannelPending(Architecture arch) {
        return Optional.of(switch (arch) {
            case TURING, AMPERE, ADA, HOPPER, BLACKWELL_GB10X, BLACKWELL_GB20X ->
                VFN_BASE + USERMODE_OFFSET + NOTIFY_CHANNEL_PENDING;
        });
    }

    /**
     * The work-submit token GSP-RM returns for a channel on {@code arch}: {@link #token(int, int)},
     * with {@link #RUNLIST_DOORBELL_ENABLE} on GB20x ({@code kfifoGenerateWorkSubmitTokenHal_GB202}).
     */
    public static int token(Architecture arch, int runlist, int chid) {
        return switch (arch) {
            case TURING, AMPERE, ADA, HOPPER, BLACKWELL_GB10X -> token(runlist, chid);
            case BLACKWELL_GB20X -> RUNLIST_DOORBELL_ENABLE | token(runlist, chid);
        };
    }

    /**
     * The work-submit token GSP-RM returns for a channel on TU10x..GB10x
     * (NVC36F_CTRL_CMD_GPFIFO_GET_WORK_SUBMIT_TOKEN):
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
