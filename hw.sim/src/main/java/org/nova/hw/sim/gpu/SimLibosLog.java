package org.nova.hw.sim.gpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;
import org.nova.nvidia.gsp.GspMsgQueue;
import org.nova.nvidia.gsp.LibosArgs;
import org.nova.nvidia.gsp.LibosLog;

/**
 * The LibOS log buffers as the simulated GSP's LibOS uses them ({@link LibosLog}; Linux
 * drivers/gpu/nova-core/gsp.rs LogBuffer at torvalds/linux 032a6772, open-gpu-kernel-modules
 * the LibOS log decoder's libosExtractLog_ReadRecord and libos_log.h libosLogMetadata).
 *
 * <p>At init LibOS looks each of LOGINIT, LOGINTR and LOGRM up by name in the LibOS arguments and
 * maps it through the page table the driver stored in the buffer itself: {@link #checkRegistered}
 * refuses a buffer that is missing, not {@link LibosLog#SIZE} bytes, not contiguous system memory,
 * or whose page table does not map its own pages, as LibOS's init would fail to map it (GSP-RM
 * then never starts). Once mapped, records are appended in LibOS's binary format: the arguments,
 * the address of the record's metadata in the firmware's logging section, a timestamp; the put
 * pointer counts the entries written. The simulated firmware's logging section is
 * {@link Format}: each format's metadata address, text and argument count, which a decoder needs
 * and which the firmware files nova-core loads do not carry.
 */
public final class SimLibosLog {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /**
     * Where the simulated firmware's logging section starts in its address space (the simulator's
     * choice; real metadata addresses are the firmware ELF's).
     */
    public static final long LOGGING_SECTION_BASE = 0x8000_0000L;
    /** Bytes of one libosLogMetadata (two pointers, the line aligned to 8, the count and the level). */
    public static final int METADATA_SIZE = 32;

    /** The simulated GSP-RM's log statements: its logging section, one metadata entry each. */
    public enum Format {
        /** LOGINIT: GSP-RM started. */
        RM_START(LibosLog.LOGINIT, "GSP-RM release %u.%u started", 2),
        /** LOGINIT: the LibOS arguments were found and the buffers mapped. */
        LIBOS_INIT(LibosLog.LOGINIT, "LibOS: log buffers mapped (%u pages each), RM arguments at 0x%llx", 2),
        /** LOGINIT: the CPU sequencer ran and SEC2-RTOS resumed the core. */
        SEQ_DONE(LibosLog.LOGINIT, "CPU sequencer done, resumed by SEC2-RTOS", 0),
        /** LOGINIT: the CPU sequencer did not run. */
        SEQ_STALL(LibosLog.LOGINIT, "the CPU sequencer did not run (scratch 0x%x, resumed %u): init stalls", 2),
        /** LOGINIT: initialisation complete. */
        INIT_DONE(LibosLog.LOGINIT, "init done", 0),
        /** LOGRM: a command arrived. */
        RPC(LibosLog.LOGRM, "rpc function %u (seq %u, %u bytes)", 3),
        /** LOGRM: GspSystemInfo shorter than the release's structure. */
        SYSINFO_SHORT(LibosLog.LOGRM, "GspSystemInfo of %u bytes, expected %u", 2),
        /** LOGRM: the registry was read. */
        REGISTRY(LibosLog.LOGRM, "registry: %u entries", 1),
        /** LOGRM: SetSystemInfo described another function than GSP-RM's (the reason goes to the simulator's log). */
        SYSINFO_REFUSED(LibosLog.LOGRM, "SET_SYSTEM_INFO refused: GSP-RM init fails", 0),
        /** LOGRM: the initial registry cannot be booted with (the reason goes to the simulator's log). */
        INIT_FAILED(LibosLog.LOGRM, "init fails on the registry", 0),
        /** LOGRM: the registry was malformed. */
        REGISTRY_REFUSED(LibosLog.LOGRM, "SET_REGISTRY refused", 0),
        /** LOGRM: a malformed command. */
        BAD_COMMAND(LibosLog.LOGRM, "bad command", 0),
        /** LOGRM: GSP-RM crashes. */
        CRASHED(LibosLog.LOGRM, "GSP-RM crashed", 0),
        /** LOGRM: UNLOADING_GUEST_DRIVER refused. */
        UNLOAD_REFUSED(LibosLog.LOGRM, "UNLOADING_GUEST_DRIVER refused: newLevel %u, status 0x%x", 2),
        /** LOGRM: unloading. */
        UNLOADING(LibosLog.LOGRM, "unloading", 0),
        /** LOGRM: unloaded. */
        UNLOADED(LibosLog.LOGRM, "unloaded", 0),
        /** LOGRM: an RM control answered. */
        RM_CONTROL(LibosLog.LOGRM, "rm control 0x%x: status 0x%x", 2),
        /** LOGRM: an RM control to another object than the internal subdevice. */
        RM_CONTROL_FOREIGN(LibosLog.LOGRM, "rm control to client 0x%x object 0x%x: not the internal subdevice", 2),
        /** LOGINTR: GSP-RM raised the message-queue interrupt. */
        MSGQ_IRQ(LibosLog.LOGINTR, "message queue interrupt: GSP queue write pointer %u", 1);

        private final String buffer;
        private final String format;
        private final int argumentCount;

        Format(String buffer, String format, int argumentCount) {
            this.buffer = buffer;
            this.format = format;
            this.argumentCount = argumentCount;
        }

        /** @return the buffer the statement writes to */
        public String buffer() {
            return buffer;
        }

        /** @return the printf format */
        public String format() {
            return format;
        }

        /** @return libosLogMetadata.argumentCount */
        public int argumentCount() {
            return argumentCount;
        }

        /** @return the address of its libosLogMetadata in the simulated firmware's logging section */
        public long metadataAddress() {
            return LOGGING_SECTION_BASE + (long) ordinal() * METADATA_SIZE;
        }
    }

    /**
     * The three buffers as LibOS maps them at init.
     *
     * @param init LOGINIT
     * @param intr LOGINTR
     * @param rm LOGRM
     */
    record Buffers(SimLibosLog init, SimLibosLog intr, SimLibosLog rm) {
        /**
         * LibOS's init: maps LOGINIT, LOGINTR and LOGRM ({@link SimLibosLog#map}).
         *
         * @throws IllegalStateException naming the first buffer LibOS cannot map, and why
         */
        static Buffers map(GpuHost host, long libosAddr) {
            return new Buffers(SimLibosLog.map(host, libosAddr, LibosLog.LOGINIT),
                    SimLibosLog.map(host, libosAddr, LibosLog.LOGINTR), SimLibosLog.map(host, libosAddr, LibosLog.LOGRM));
        }

        /** Appends a record to the buffer its format names. */
        void write(Format f, long... args) {
            (switch (f.buffer()) {
                case LibosLog.LOGINIT -> init;
                case LibosLog.LOGINTR -> intr;
                default -> rm;
            }).write(f, args);
        }
    }

    private final GpuHost host;
    private final long pa;
    private long put;

    private SimLibosLog(GpuHost host, long pa) {
        this.host = host;
        this.pa = pa;
    }

    /**
     * LibOS's init of one log buffer: finds it in the LibOS arguments at {@code libosAddr} and maps
     * it through its own page table.
     *
     * @return the mapped buffer
     * @throws IllegalStateException naming the buffer and why LibOS cannot map it
     */
    static SimLibosLog map(GpuHost host, long libosAddr, String name) {
        MemorySegment page = libosPage(host, libosAddr);
        int at = entry(page, name);
        if (at < 0) {
            throw new IllegalStateException("no " + name + " region in the LibOS arguments");
        }
        long pa = page.get(LE64, at + LibosArgs.ENTRY_PA);
        long size = page.get(LE64, at + LibosArgs.ENTRY_SIZE_AT);
        int kind = page.get(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_KIND);
        int loc = page.get(ValueLayout.JAVA_BYTE, at + LibosArgs.ENTRY_LOC);
        if (size != LibosLog.SIZE) {
            throw new IllegalStateException(name + " is 0x" + Long.toHexString(size) + " bytes, not 0x"
                    + Integer.toHexString(LibosLog.SIZE));
        }
        if (kind != LibosArgs.KIND_CONTIGUOUS || loc != LibosArgs.LOC_SYSMEM) {
            throw new IllegalStateException(name + " has kind " + kind + " and location " + loc
                    + ", not contiguous system memory");
        }
        MemorySegment ptes = MemorySegment.ofArray(new byte[LibosLog.PAGES * LibosLog.ENTRY_BYTES]);
        if (!host.dmaRead(pa + (long) LibosLog.PTE_ENTRY * LibosLog.ENTRY_BYTES, ptes)) {
            throw new IllegalStateException(name + " at 0x" + Long.toHexString(pa) + " is not readable");
        }
        for (int p = 0; p < LibosLog.PAGES; p++) {
            long pte = ptes.get(LE64, (long) p * LibosLog.ENTRY_BYTES);
            if (pte != pa + (long) p * LibosLog.PAGE_SIZE) {
                throw new IllegalStateException(String.format("%s: page table entry %d is 0x%x, not page %d of "
                        + "the buffer at 0x%x", name, p, pte, p, pa));
            }
        }
        return new SimLibosLog(host, pa);
    }

    /**
     * LibOS's lookup of a region by name in the LibOS arguments.
     *
     * @return the region's address and size, empty if it is not there or the page is not readable
     */
    static Optional<long[]> region(GpuHost host, long libosAddr, String name) {
        try {
            MemorySegment page = libosPage(host, libosAddr);
            int at = entry(page, name);
            return at < 0 ? Optional.empty() : Optional.of(new long[] {page.get(LE64, at + LibosArgs.ENTRY_PA),
                page.get(LE64, at + LibosArgs.ENTRY_SIZE_AT)});
        } catch (IllegalStateException e) {
            return Optional.empty();
        }
    }

    private static MemorySegment libosPage(GpuHost host, long libosAddr) {
        MemorySegment page = MemorySegment.ofArray(new byte[GspMsgQueue.PAGE_SIZE]);
        if (!host.dmaRead(libosAddr, page)) {
            throw new IllegalStateException("the LibOS arguments at 0x" + Long.toHexString(libosAddr)
                    + " are not readable");
        }
        return page;
    }

    /** @return the byte offset of the entry named {@code name}, or -1 */
    private static int entry(MemorySegment page, String name) {
        for (int i = 0; i < LibosArgs.MAX_ENTRIES; i++) {
            int at = i * LibosArgs.ENTRY_SIZE;
            if (page.get(LE64, at + LibosArgs.ENTRY_ID8) == LibosArgs.id8(name)) {
                return at;
            }
        }
        return -1;
    }

    /** Appends one record: the arguments, the metadata address, the timestamp; then the put pointer. */
    synchronized void write(Format f, long... args) {
        if (args.length != f.argumentCount()) {
            throw new IllegalArgumentException(f + " takes " + f.argumentCount() + " arguments, not " + args.length);
        }
        for (long a : args) {
            entry(a);
        }
        entry(f.metadataAddress());
        entry(System.nanoTime());
        MemorySegment p = MemorySegment.ofArray(new byte[Long.BYTES]);
        p.set(LE64, 0, put);
        host.dmaWrite(pa + (long) LibosLog.PUT_ENTRY * LibosLog.ENTRY_BYTES, p);
    }

    private void entry(long v) {
        MemorySegment e = MemorySegment.ofArray(new byte[Long.BYTES]);
        e.set(LE64, 0, v);
        host.dmaWrite(pa + LibosLog.ringOffset(put), e);
        put++;
    }
}
