package org.nova.hw.sim.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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
    private static final int O_RDWR = 2;
    /** Page states besides a VRAM address: not laid out yet, all ones. Read-only pages add RO. */
    private static final long NONE = -1;
    private static final long ONES = -2;
    private static final long RO = 1L << 62;

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
    private final MemorySegment range;
    /** Per 4 KiB page of BAR1: the VRAM address it shows (| RO), ONES or NONE. */
    private final long[] shown;
    /** Whether anyone asked for the mapping: until then there is nothing to lay out. */
    private boolean handedOut;

    /**
     * Reserves the range (laid out at the first {@link #memory()}).
     *
     * @param vramFile the VRAM's backing file, still linked (opened here; the caller deletes it)
     */
    SimBar1View(NvidiaGpu gpu, SimMmu mmu, SimMmuRegs regs, long size, String vramFile) {
        this.gpu = gpu;
        this.mmu = mmu;
        this.regs = regs;
        this.size = size;
        this.shown = new long[(int) (size / PAGE)];
        Arrays.fill(shown, NONE);
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom(vramFile), O_RDWR);
            if (fd < 0) {
                throw new IllegalStateException("cannot open the simulated VRAM file " + vramFile);
            }
            this.vramFd = fd;
            MemorySegment at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (at.address() == -1L) {
                int ignored = (int) CLOSE.invokeExact(fd);
                throw new IllegalStateException("cannot reserve " + size + " bytes for the simulated BAR1");
            }
            long base = at.address();
            // unmapped (with the VRAM file descriptor closed) once no view of BAR1 is reachable
            this.range = at.reinterpret(size, Arena.ofAuto(), s -> unmap(base, size, fd));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("cannot set up the simulated BAR1 mapping: " + t, t);
        }
    }

    private static void unmap(long base, long size, int fd) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(base), size);
            ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            // a cleaner has nobody to report to; the range stays reserved
        }
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
        MemorySegment at = MemorySegment.ofAddress(range.address() + first * PAGE);
        long len = n * PAGE;
        MemorySegment got;
        try {
            if (what == ONES) {
                got = (MemorySegment) MMAP.invokeExact(at, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0L);
            } else {
                int flags = (what & RO) != 0 ? MAP_PRIVATE : MAP_SHARED;
                got = (MemorySegment) MMAP.invokeExact(at, len, PROT_READ | PROT_WRITE, flags | MAP_FIXED, vramFd,
                        what & ~RO);
            }
        } catch (Throwable t) {
            throw new IllegalStateException("mmap for the simulated BAR1 failed: " + t, t);
        }
        if (got.address() != at.address()) {
            throw new IllegalStateException(String.format("mmap of BAR1 pages [0x%x, +0x%x) failed", first * PAGE, len));
        }
        if (what == ONES) {
            range.asSlice(first * PAGE, len).fill((byte) 0xff);
        }
        for (int i = 0; i < n; i++) {
            shown[first + i] = what == ONES ? ONES : what + (what >= 0 ? i * PAGE : 0);
        }
    }
}
