package org.nova.hw.sim.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.nova.nvidia.mmu.FaultAccess;
import org.nova.nvidia.mmu.MmuV2;

/**
 * The CPU's mapping of the PF's BAR1 as the GPU presents it: a fixed range of host address space
 * whose 4 KiB pages are the VRAM pages BAR1's offsets translate to. On hardware every CPU access
 * through a BAR1 mapping is translated by the GPU's MMU; Java code reaches a mapping through a
 * {@link MemorySegment} the simulator cannot intercept, so the simulator does what the MMU's TLB
 * makes equivalent: it lays the translation out in the host's page tables (Linux mmap with
 * MAP_FIXED of the VRAM file's pages) at every BAR1 bind and every MMU invalidate, the points at
 * which the GPU stops using old translations. PHYSICAL mode: the range is VRAM [0, BAR1 size).
 * VIRTUAL mode: a page that translates to writable VRAM is that VRAM page (shared); a read-only
 * page is a private copy-on-write view of it (reads see VRAM, a CPU write stays in the copy: the
 * MMU drops it); a page the MMU refuses (unmapped, privileged, system memory, which this view
 * does not model) is a private page of all ones, what a faulting BAR1 read returns ({@link
 * SimBar1}), and writes to it reach no VRAM. Unlike {@link SimBar1#read}/{@link SimBar1#write},
 * accesses through the view record no MMU faults. Linux only (mmap, open).
 *
 * <p>Memory: pages of all ones are private copy-on-write mappings of one small file of ones
 * ({@link #ONES_CHUNK} bytes, mapped as often as a run needs), so they cost host memory only once
 * read (a page of the file's page cache) or written (a private copy). Filling anonymous pages with
 * ones instead touched every refused page: with BAR1 in VIRTUAL mode and little of it bound, each
 * GPU's 256 MiB BAR1 became 256 MiB of resident memory (issue 16: 2 x 256 MiB of the runtime's
 * 625 MiB peak RSS, found in /proc/PID/smaps).
 *
 * <p>Lifetime: the range is unmapped by the garbage collector once no segment of it is reachable,
 * like {@link SimVram}'s memory. Guarded by the function's lock (layout changes); CPU accesses
 * through the view need no lock (each page is replaced atomically by mmap).
 */
final class SimBar1View {
    private static final long PAGE = 1L << MmuV2.PAGE_SHIFT_4K;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    /** Page states besides a VRAM address: not laid out yet, all ones. Read-only pages add RO. */
    private static final long NONE = -1;
    private static final long ONES = -2;
    private static final long RO = 1L << 62;
    /**
     * Bytes of the file of ones that all-ones pages map: a run of such pages takes one mmap per
     * chunk (a few hundred for a whole BAR1, well below the kernel's vm.max_map_count of 65530).
     */
    static final long ONES_CHUNK = 2L << 20;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;

    static {
        Linker l = Linker.nativeLinker();
        var lib = l.defaultLookup();
        MMAP = l.downcallHandle(lib.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        MUNMAP = l.downcallHandle(lib.find("munmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        OPEN = l.downcallHandle(lib.find("open").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        CLOSE = l.downcallHandle(lib.find("close").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
    }

    private final NvidiaGpu gpu;
    private final SimMmu mmu;
    private final SimMmuRegs regs;
    private final long size;
    private final int vramFd;
    /** The file of {@link #ONES_CHUNK} bytes of 0xff that all-ones pages map privately. */
    private final int onesFd;
    private final MemorySegment range;
    /** Per 4 KiB page of BAR1: the VRAM address it shows (| RO), ONES or NONE. */
    private final long[] shown;
    /** Whether anyone asked for the mapping: until then there is nothing to lay out. */
    private boolean handedOut;

    /**
     * Reserves the range (laid out at the first {@link #memory()}).
     *
     * @param vramFile the VRAM's backing file, still linked (opened here; the caller deletes it)
     * @throws IllegalStateException if the files cannot be opened or the range cannot be reserved;
     *     nothing stays open or mapped then
     */
    SimBar1View(NvidiaGpu gpu, SimMmu mmu, SimMmuRegs regs, long size, String vramFile) {
        this.gpu = gpu;
        this.mmu = mmu;
        this.regs = regs;
        this.size = size;
        this.shown = new long[(int) (size / PAGE)];
        Arrays.fill(shown, NONE);
        int fd = -1;
        int ones = -1;
        try (Arena a = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(a.allocateFrom(vramFile), O_RDWR);
            if (fd < 0) {
                throw new IllegalStateException("cannot open the simulated VRAM file " + vramFile);
            }
            ones = openOnes(a);
            MemorySegment at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (at.address() == -1L) {
                throw new IllegalStateException("cannot reserve " + size + " bytes for the simulated BAR1");
            }
            long base = at.address();
            int vram = fd;
            int onesFile = ones;
            // unmapped (with both file descriptors closed) once no view of BAR1 is reachable
            this.range = at.reinterpret(size, Arena.ofAuto(), s -> unmap(base, size, vram, onesFile));
            this.vramFd = fd;
            this.onesFd = ones;
        } catch (RuntimeException | Error e) {
            closeQuietly(fd);
            closeQuietly(ones);
            throw e;
        } catch (Throwable t) {
            closeQuietly(fd);
            closeQuietly(ones);
            throw new IllegalStateException("cannot set up the simulated BAR1 mapping: " + t, t);
        }
    }

    /**
     * Writes {@link #ONES_CHUNK} bytes of 0xff to a new temporary file and opens it; the file is
     * deleted at once (the descriptor keeps it).
     */
    private static int openOnes(Arena a) throws Throwable {
        Path file = Files.createTempFile("nova-sim-bar1-ones", ".bin");
        try {
            byte[] ones = new byte[(int) ONES_CHUNK];
            Arrays.fill(ones, (byte) 0xff);
            Files.write(file, ones);
            int fd = (int) OPEN.invokeExact(a.allocateFrom(file.toString()), O_RDONLY);
            if (fd < 0) {
                throw new IllegalStateException("cannot open the simulated BAR1's file of ones " + file);
            }
            return fd;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                // nothing to add to the failure being reported
            }
        }
    }

    private static void unmap(long base, long size, int fd, int onesFd) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(base), size);
        } catch (Throwable t) {
            // a cleaner has nobody to report to; the range stays reserved
        }
        closeQuietly(fd);
        closeQuietly(onesFd);
    }

    /**
     * @return the CPU's mapping of BAR1, {@code size} bytes; laid out now if this is the first
     *     request (a GPU whose BAR1 nobody maps pays nothing at binds and invalidates)
     */
    synchronized MemorySegment memory() {
        if (!handedOut) {
            handedOut = true;
            relayout();
        }
        return range;
    }

    /**
     * Recomputes what each page of BAR1 shows from the BAR1 block register and the page tables it
     * names, and remaps the pages that changed. Called at every BAR1 block write and invalidate.
     */
    synchronized void relayout() {
        if (!handedOut) {
            return;
        }
        long inst = regs.bar1InstBlock();
        boolean walk = inst >= 0 && regs.bar1BlockInVram();
        int pages = shown.length;
        int runStart = -1;
        long runFirst = 0;
        // pages under an empty directory entry are all ones without a walk each
        long skipUntil = 0;
        for (int p = 0; p <= pages; p++) {
            long va = (long) p * PAGE;
            if (p < pages && walk && va >= skipUntil) {
                long span = mmu.unmappedSpan(inst, va);
                skipUntil = va + span;
            }
            long want = p == pages ? NONE : inst < 0 ? va : !walk || va < skipUntil ? ONES : translate(inst, va);
            // extend the current run of changed pages while it stays contiguous and of one kind
            if (runStart >= 0) {
                int n = p - runStart;
                boolean continues = p < pages && want != shown[p] && want >= 0 && runFirst >= 0
                        && (want & RO) == (runFirst & RO) && (want & ~RO) == (runFirst & ~RO) + n * PAGE;
                boolean onesRun = p < pages && want != shown[p] && want == ONES && runFirst == ONES;
                if (continues || onesRun) {
                    continue;
                }
                apply(runStart, n, runFirst);
                runStart = -1;
            }
            if (p < pages && want != shown[p]) {
                runStart = p;
                runFirst = want;
            }
        }
    }

    private long translate(long inst, long va) {
        SimMmu.Translation w = mmu.peek(inst, va, FaultAccess.VIRT_WRITE);
        if (w != null) {
            return w.aperture() == MmuV2.PTE_APERTURE_VIDEO_MEMORY ? w.pa() : ONES;
        }
        SimMmu.Translation r = mmu.peek(inst, va, FaultAccess.VIRT_READ);
        return r != null && r.aperture() == MmuV2.PTE_APERTURE_VIDEO_MEMORY ? r.pa() | RO : ONES;
    }

    private void apply(int first, int n, long what) {
        long len = n * PAGE;
        if (what == ONES) {
            // private copy-on-write views of the file of ones, a chunk at a time: nothing is touched
            for (long done = 0; done < len; done += ONES_CHUNK) {
                map(first * PAGE + done, Math.min(ONES_CHUNK, len - done), MAP_PRIVATE, onesFd, 0);
            }
        } else {
            map(first * PAGE, len, (what & RO) != 0 ? MAP_PRIVATE : MAP_SHARED, vramFd, what & ~RO);
        }
        for (int i = 0; i < n; i++) {
            shown[first + i] = what == ONES ? ONES : what + (what >= 0 ? i * PAGE : 0);
        }
    }

    /** Maps len bytes of the file fd from offset over [at, at + len) of the range, MAP_FIXED. */
    private void map(long at, long len, int flags, int fd, long offset) {
        MemorySegment where = MemorySegment.ofAddress(range.address() + at);
        MemorySegment got;
        try {
            got = (MemorySegment) MMAP.invokeExact(where, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, fd, offset);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap for the simulated BAR1 failed: " + t, t);
        }
        if (got.address() != where.address()) {
            throw new IllegalStateException(String.format("mmap of BAR1 pages [0x%x, +0x%x) failed", at, len));
        }
    }
}
