package org.nova.nvidia.gsp;

import java.util.List;

/**
 * The GSP's LibOS log buffers, as the driver allocates and registers them and as LibOS writes
 * them. Facts from Linux drivers/gpu/nova-core/gsp.rs (LogBuffer, RM_LOG_BUFFER_NUM_PAGES,
 * Gsp::new registering LOGINIT, LOGINTR and LOGRM as libos[0..2] before RMARGS; torvalds/linux at
 * 032a6772) and from open-gpu-kernel-modules' LibOS log decoder (libosExtractLog_ReadRecord, whose
 * source file and commit were not identified; src/common/uproc/os/common/include/libos_log.h
 * libosLogMetadata at d5a0858f, liblogdecode.h at 448d5cc6).
 *
 * <p>A buffer is an array of u64 entries. Entry 0 is the put pointer: how many entries LibOS has
 * written since the buffer was registered (0 = none). The k-th entry written lands at entry
 * {@code 1 + k % (entries - 1)}: the buffer wraps. Before LibOS runs, entries 1.. hold the buffer's
 * own page table (one DMA address per 4 KiB page, {@link #PTE_ENTRY}); LibOS reads it at init and
 * overwrites it with records. A record, in write order, is its arguments (u64 each,
 * {@code argumentCount} of them), the address of its {@code libosLogMetadata} (file name, format
 * string, line, {@code argumentCount}, print level; it lives in the firmware image's logging
 * section) and a timestamp: {@link #RECORD_FIXED_ENTRIES} entries plus the arguments. A decoder
 * walks records backwards from the put pointer and needs the metadata to know each record's
 * argument count; the firmware files in linux-firmware carry no logging section, so without one
 * only the entries themselves can be shown.
 */
public final class LibosLog {
    /** Region name (LibosMemoryRegionInitArgument.id8) of the log of GSP-RM's early init and exception dumps. */
    public static final String LOGINIT = "LOGINIT";
    /** Region name of the log written from interrupt context. */
    public static final String LOGINTR = "LOGINTR";
    /** Region name of GSP-RM's log once it runs. */
    public static final String LOGRM = "LOGRM";
    /** The three buffers in the order nova-core registers them (libos[0], [1], [2]; RMARGS is [3]). */
    public static final List<String> BUFFERS = List.of(LOGINIT, LOGINTR, LOGRM);
    /** GSP pages per log buffer (gsp.rs RM_LOG_BUFFER_NUM_PAGES). */
    public static final int PAGES = 0x10;
    /** GSP page size (gsp.rs GSP_PAGE_SIZE). */
    public static final int PAGE_SIZE = GspMsgQueue.PAGE_SIZE;
    /** Bytes of each log buffer. */
    public static final int SIZE = PAGES * PAGE_SIZE;
    /** Bytes of one entry. */
    public static final int ENTRY_BYTES = Long.BYTES;
    /** Entries of a buffer, the put pointer included. */
    public static final int ENTRIES = SIZE / ENTRY_BYTES;
    /** Entries records wrap over (all but the put pointer; the decoder's log_entries). */
    public static final int RING_ENTRIES = ENTRIES - 1;
    /** Entry index of the put pointer. */
    public static final int PUT_ENTRY = 0;
    /** Entry index of the buffer's first page-table entry (gsp.rs: "starting with offset 1"). */
    public static final int PTE_ENTRY = 1;
    /** Entries of a record besides its arguments: the metadata address and the timestamp. */
    public static final int RECORD_FIXED_ENTRIES = 2;
    /** Most arguments a record may carry (liblogdecode.h LIBOS_LOG_MAX_ARGS; the decoder's sanity check). */
    public static final int MAX_ARGS = 20;

    private LibosLog() {
    }

    /** @return the byte offset in the buffer of the {@code k}-th entry written (0-based) */
    public static long ringOffset(long k) {
        return (long) ENTRY_BYTES * (1 + Long.remainderUnsigned(k, RING_ENTRIES));
    }
}
