package org.nova.nvidia.gsp;

/**
 * The LibOS arguments whose address the GSP falcon gets in its mailboxes (OpenRM
 * libos_init_args.h {@code LibosMemoryRegionInitArgument}, gsp_init_args.h
 * {@code GSP_ARGUMENTS_CACHED}/{@code MESSAGE_QUEUE_INIT_ARGUMENTS}; nova-core gsp.rs, gsp/fw.rs):
 * one page of 32-byte region entries named by {@link #id8}; the {@code "RMARGS"} region holds the
 * message-queue arguments; the log buffers' regions are {@link LibosLog}'s.
 */
public final class LibosArgs {
    /** Bytes of one {@code LibosMemoryRegionInitArgument}. */
    public static final int ENTRY_SIZE = 32;
    /** {@code id8}: the region's name packed by {@link #id8}. */
    public static final int ENTRY_ID8 = 0;
    /** {@code pa}: its DMA address. */
    public static final int ENTRY_PA = 8;
    /** {@code size}. */
    public static final int ENTRY_SIZE_AT = 16;
    /** {@code kind} (u8): {@link #KIND_CONTIGUOUS}. */
    public static final int ENTRY_KIND = 24;
    /** {@code loc} (u8): {@link #LOC_SYSMEM}. */
    public static final int ENTRY_LOC = 25;
    /** {@code LIBOS_MEMORY_REGION_CONTIGUOUS}. */
    public static final int KIND_CONTIGUOUS = 1;
    /** {@code LIBOS_MEMORY_REGION_LOC_SYSMEM}. */
    public static final int LOC_SYSMEM = 1;
    /** Entries one page holds. */
    public static final int MAX_ENTRIES = GspMsgQueue.PAGE_SIZE / ENTRY_SIZE;
    /** Region name of the RM arguments. */
    public static final String RMARGS = "RMARGS";
    /** {@code MESSAGE_QUEUE_INIT_ARGUMENTS.sharedMemPhysAddr}: the PTE page's address. */
    public static final int MQ_SHARED_MEM_PHYS_ADDR = 0;
    /** {@code pageTableEntryCount} (u32). */
    public static final int MQ_PTE_COUNT = 8;
    /** {@code cmdQueueOffset} (u64). */
    public static final int MQ_CMD_QUEUE_OFFSET = 16;
    /** {@code statQueueOffset} (u64). */
    public static final int MQ_STAT_QUEUE_OFFSET = 24;
    /** Bytes of {@code GSP_ARGUMENTS_CACHED} as written here (queue args and SR args). */
    public static final int RMARGS_SIZE = 64;

    private LibosArgs() {
    }

    /** @return the name packed as LibOS does: the last character in the lowest byte */
    public static long id8(String name) {
        long v = 0;
        for (int i = 0; i < name.length() && i < 8; i++) {
            v = v << 8 | (name.charAt(i) & 0xff);
        }
        return v;
    }
}
