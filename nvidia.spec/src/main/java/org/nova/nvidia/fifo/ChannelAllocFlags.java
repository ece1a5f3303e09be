package org.nova.nvidia.fifo;

import org.nova.nvidia.mmu.EntryField;

/**
 * The internal flags of a channel's allocation ({@code NV_CHANNEL_ALLOC_PARAMS.internalFlags}):
 * the channel's privilege and how its error notifiers are given. From open-gpu-kernel-modules
 * src/common/sdk/nvidia/inc/alloc/alloc_channel.h ({@code NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_*}
 * and the {@code ErrorNotifierType} enum), the same in 535.113.01 and 570.144 (nouveau's
 * nvkm/subdev/gsp/rm/r570/nvrm/fifo.h excerpt); nouveau's r535_chan_ramfc_write sets PRIVILEGE
 * USER (or ADMIN) and both notifier types NONE.
 */
public final class ChannelAllocFlags {
    private static final String SRC = "alloc_channel.h";

    /** {@code NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_PRIVILEGE}: 0 USER, 1 ADMIN, 2 KERNEL. */
    public static final EntryField PRIVILEGE = EntryField.of("NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_PRIVILEGE", 1, 0,
            "0 USER, 1 ADMIN, 2 KERNEL (" + SRC + ")");
    /** {@code NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_PRIVILEGE_USER}. */
    public static final int PRIVILEGE_USER = 0;
    /** {@code NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_ERROR_NOTIFIER_TYPE}: an {@code ErrorNotifierType}. */
    public static final EntryField ERROR_NOTIFIER_TYPE = EntryField.of(
            "NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_ERROR_NOTIFIER_TYPE", 3, 2,
            "0 UNKNOWN, 1 NONE, 2 CTXDMA, 3 MEMORY (" + SRC + ")");
    /** {@code NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_ECC_ERROR_NOTIFIER_TYPE}: an {@code ErrorNotifierType}. */
    public static final EntryField ECC_ERROR_NOTIFIER_TYPE = EntryField.of(
            "NV_KERNELCHANNEL_ALLOC_INTERNALFLAGS_ECC_ERROR_NOTIFIER_TYPE", 5, 4,
            "0 UNKNOWN, 1 NONE, 2 CTXDMA, 3 MEMORY (" + SRC + ")");
    /** {@code ERROR_NOTIFIER_TYPE_NONE}: no notifier (the matching hObjectError is NV01_NULL_OBJECT). */
    public static final int NOTIFIER_NONE = 1;
    /** {@code ERROR_NOTIFIER_TYPE_MEMORY}: an NvNotification array in the given memory descriptor. */
    public static final int NOTIFIER_MEMORY = 3;

    private ChannelAllocFlags() {
    }

    /** @return the internal flags nouveau passes for a user channel with no error notifiers */
    public static int userNoNotifiers() {
        return (int) (PRIVILEGE.of(PRIVILEGE_USER) | ERROR_NOTIFIER_TYPE.of(NOTIFIER_NONE)
                | ECC_ERROR_NOTIFIER_TYPE.of(NOTIFIER_NONE));
    }
}
