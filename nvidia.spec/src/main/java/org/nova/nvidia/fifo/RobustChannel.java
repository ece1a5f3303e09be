package org.nova.nvidia.fifo;

/**
 * The robust-channel (RC) error codes a stopped channel reports: in GSP-RM's RC_TRIGGERED event
 * ({@code exceptType}) and in the channel's error notifier; the number a kernel log prints as
 * "Xid". From open-gpu-kernel-modules src/common/sdk/nvidia/inc/nverror.h.
 */
public final class RobustChannel {
    /** {@code ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT} (Xid 31): an engine's access faulted in the GPU MMU. */
    public static final int FIFO_ERROR_MMU_ERR_FLT = 31;
    /** {@code ROBUST_CHANNEL_PBDMA_ERROR} (Xid 32): a bad pushbuffer (method header, GPFIFO entry, host method). */
    public static final int PBDMA_ERROR = 32;
    /** {@code ROBUST_CHANNEL_CE0_ERROR} (Xid 39): copy engine 0 refused a method or its parameters. */
    public static final int CE0_ERROR = 39;
    /** {@code RC_NOTIFIER_SCOPE_CHANNEL}: the error affects the one channel (src/nvidia/generated/g_kernel_rc_nvoc.h, enum RC_NOTIFIER_SCOPE). */
    public static final int SCOPE_CHANNEL = 0;

    private RobustChannel() {
    }
}
