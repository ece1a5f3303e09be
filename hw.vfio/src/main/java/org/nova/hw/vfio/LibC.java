package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Map;

/**
 * The few libc calls the VFIO backend needs, as FFM downcalls with errno captured (no JNI).
 * Every call returns the raw result or throws {@link ErrnoException} naming the call and errno.
 *
 * <p>Per-thread scratch memory (errno capture state and a small I/O buffer) keeps the hot paths
 * (pread/pwrite of a register, eventfd reads) free of allocation.
 */
final class LibC {
    private LibC() {
    }

    // ---- constants (include/uapi/asm-generic/fcntl.h, mman-common.h, linux/eventfd.h, poll.h) ----
    /** open(2): read and write (include/uapi/asm-generic/fcntl.h O_RDWR). */
    static final int O_RDWR = 0x2;
    /** open(2): close on exec (include/uapi/asm-generic/fcntl.h O_CLOEXEC, x86). */
    static final int O_CLOEXEC = 0x80000;
    /** mmap(2): pages may be read (PROT_READ). */
    static final int PROT_READ = 0x1;
    /** mmap(2): pages may be written (PROT_WRITE). */
    static final int PROT_WRITE = 0x2;
    /** mmap(2): share the mapping (MAP_SHARED). */
    static final int MAP_SHARED = 0x01;
    /** mmap(2): private copy-on-write mapping (MAP_PRIVATE). */
    static final int MAP_PRIVATE = 0x02;
    /** mmap(2): not backed by a file, zero-filled (MAP_ANONYMOUS, x86). */
    static final int MAP_ANONYMOUS = 0x20;
    /**
     * mmap(2): fault the pages in now (MAP_POPULATE, include/uapi/asm-generic/mman-common.h); for a
     * writable private mapping with write faults, so each page is the process's own and not the
     * shared zero page (mm/gup.c populate_vma_page_range).
     */
    static final int MAP_POPULATE = 0x8000;
    /** mmap(2) failure value (MAP_FAILED = (void *) -1). */
    static final long MAP_FAILED = -1L;
    /** eventfd(2): close on exec (EFD_CLOEXEC = O_CLOEXEC). */
    static final int EFD_CLOEXEC = 0x80000;
    /** eventfd(2): non-blocking reads (EFD_NONBLOCK = O_NONBLOCK, x86). */
    static final int EFD_NONBLOCK = 0x800;
    /** poll(2): data to read (POLLIN). */
    static final short POLLIN = 0x1;
    /** poll(2): error (POLLERR). */
    static final short POLLERR = 0x8;
    /** poll(2): hang up (POLLHUP). */
    static final short POLLHUP = 0x10;
    /** poll(2): fd not open (POLLNVAL). */
    static final short POLLNVAL = 0x20;
    /** struct pollfd { int fd; short events, revents; } (include/uapi/asm-generic/poll.h). */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));
    /** Page size of x86-64 (the IOMMU's smallest page as well). */
    static final long PAGE_SIZE = 4096;

    /** errno values of include/uapi/asm-generic/errno-base.h and errno.h, by number. */
    static final int EPERM = 1, ENOENT = 2, EINTR = 4, EIO = 5, ENXIO = 6, EBADF = 9, EAGAIN = 11,
            ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19,
            EINVAL = 22, ENOTTY = 25, ENOSPC = 28, ERANGE = 34, ENOSYS = 38;
    private static final Map<Integer, String> ERRNO_NAMES = Map.ofEntries(
            Map.entry(EPERM, "EPERM"), Map.entry(ENOENT, "ENOENT"), Map.entry(EINTR, "EINTR"),
            Map.entry(EIO, "EIO"), Map.entry(ENXIO, "ENXIO"), Map.entry(EBADF, "EBADF"),
            Map.entry(EAGAIN, "EAGAIN"), Map.entry(ENOMEM, "ENOMEM"), Map.entry(EACCES, "EACCES"),
            Map.entry(EFAULT, "EFAULT"), Map.entry(EBUSY, "EBUSY"), Map.entry(EEXIST, "EEXIST"),
            Map.entry(ENODEV, "ENODEV"), Map.entry(EINVAL, "EINVAL"), Map.entry(ENOTTY, "ENOTTY"),
            Map.entry(ENOSPC, "ENOSPC"), Map.entry(ERANGE, "ERANGE"), Map.entry(ENOSYS, "ENOSYS"));

    /** @return the errno's symbolic name, e.g. "EBUSY", or "errno 123" */
    static String errnoName(int errno) {
        return ERRNO_NAMES.getOrDefault(errno, "errno " + errno);
    }

    /** A failed libc call. */
    static final class ErrnoException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int errno;

        ErrnoException(String call, int errno) {
            super(call + " failed: " + LibC.errnoName(errno));
            this.errno = errno;
        }

        String errnoName() {
            return ERRNO_NAMES.getOrDefault(errno, "errno " + errno);
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static MethodHandle handle(String name, FunctionDescriptor fd, Linker.Option... opts) {
        Linker.Option[] all = Arrays.copyOf(opts, opts.length + 1);
        all[opts.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name)), fd, all);
    }

    private static final MethodHandle OPEN = handle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IOCTL_PTR = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL_LONG = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle MMAP = handle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle PREAD = handle("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = handle("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE = handle("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    /** Per-thread scratch: errno capture state and a 16-byte I/O buffer. */
    private record Scratch(MemorySegment capture, MemorySegment buf) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(() -> {
        Arena a = Arena.ofAuto();
        return new Scratch(a.allocate(CAPTURE), a.allocate(16, 8));
    });

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /** @return the calling thread's 16-byte scratch buffer (valid until its next LibC call) */
    static MemorySegment scratch() {
        return SCRATCH.get().buf();
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /** open(2) with O_RDWR|O_CLOEXEC. */
    static int open(String path) {
        MemorySegment cs = SCRATCH.get().capture();
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(cs, a.allocateFrom(path), O_RDWR | O_CLOEXEC, 0);
            if (fd < 0) {
                throw new ErrnoException("open " + path, errno(cs));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2); errors are returned, not thrown (close must not fail a release path). */
    static int close(int fd) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            int rc = (int) CLOSE.invokeExact(cs, fd);
            return rc < 0 ? -errno(cs) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) with a pointer argument. */
    static int ioctl(String what, int fd, long request, MemorySegment arg) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            int rc = (int) IOCTL_PTR.invokeExact(cs, fd, request, arg);
            if (rc < 0) {
                throw new ErrnoException(what, errno(cs));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ioctl(2) with an integer argument. */
    static int ioctl(String what, int fd, long request, long arg) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            int rc = (int) IOCTL_LONG.invokeExact(cs, fd, request, arg);
            if (rc < 0) {
                throw new ErrnoException(what, errno(cs));
            }
            return rc;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mmap(2); returns the address. */
    static long mmap(String what, long length, int prot, int flags, int fd, long offset) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(cs, MemorySegment.NULL, length, prot, flags, fd, offset);
            if (p.address() == MAP_FAILED) {
                throw new ErrnoException(what, errno(cs));
            }
            return p.address();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** munmap(2); returns 0 or -errno. */
    static int munmap(long address, long length) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            int rc = (int) MUNMAP.invokeExact(cs, MemorySegment.ofAddress(address), length);
            return rc < 0 ? -errno(cs) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pread(2) of exactly len bytes into buf; a short read is an EIO. */
    static void pread(String what, int fd, MemorySegment buf, long len, long offset) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            long n = (long) PREAD.invokeExact(cs, fd, buf, len, offset);
            if (n < 0) {
                throw new ErrnoException(what, errno(cs));
            }
            if (n != len) {
                throw new ErrnoException(what + " (short read " + n + " of " + len + ")", EIO);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** pwrite(2) of exactly len bytes from buf; a short write is an EIO. */
    static void pwrite(String what, int fd, MemorySegment buf, long len, long offset) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            long n = (long) PWRITE.invokeExact(cs, fd, buf, len, offset);
            if (n < 0) {
                throw new ErrnoException(what, errno(cs));
            }
            if (n != len) {
                throw new ErrnoException(what + " (short write " + n + " of " + len + ")", EIO);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** eventfd(2), non-blocking and close-on-exec. */
    static int eventfd() {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            int fd = (int) EVENTFD.invokeExact(cs, 0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (fd < 0) {
                throw new ErrnoException("eventfd", errno(cs));
            }
            return fd;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Reads an eventfd's counter (resetting it).
     *
     * @return the counter, or 0 if it was not signalled (EAGAIN)
     */
    static long readEventfd(int fd) {
        Scratch s = SCRATCH.get();
        try {
            long n = (long) READ.invokeExact(s.capture(), fd, s.buf(), 8L);
            if (n < 0) {
                int e = errno(s.capture());
                if (e == EAGAIN) {
                    return 0;
                }
                throw new ErrnoException("read eventfd " + fd, e);
            }
            return s.buf().get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Adds 1 to an eventfd's counter. */
    static void signalEventfd(int fd) {
        Scratch s = SCRATCH.get();
        s.buf().set(JAVA_LONG, 0, 1L);
        try {
            long n = (long) WRITE.invokeExact(s.capture(), fd, s.buf(), 8L);
            if (n < 0) {
                throw new ErrnoException("write eventfd " + fd, errno(s.capture()));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** poll(2) on an array of struct pollfd; EINTR returns 0. */
    static int poll(MemorySegment pollfds, long nfds, int timeoutMs) {
        MemorySegment cs = SCRATCH.get().capture();
        try {
            int n = (int) POLL.invokeExact(cs, pollfds, nfds, timeoutMs);
            if (n < 0) {
                int e = errno(cs);
                if (e == EINTR) {
                    return 0;
                }
                throw new ErrnoException("poll", e);
            }
            return n;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes struct pollfd i of the array. */
    static void setPollfd(MemorySegment pollfds, int i, int fd) {
        long at = i * POLLFD.byteSize();
        pollfds.set(JAVA_INT, at + POLLFD_FD, fd);
        pollfds.set(JAVA_SHORT, at + POLLFD_EVENTS, POLLIN);
        pollfds.set(JAVA_SHORT, at + POLLFD_REVENTS, (short) 0);
    }

    /** @return revents of struct pollfd i */
    static short revents(MemorySegment pollfds, int i) {
        return pollfds.get(JAVA_SHORT, i * POLLFD.byteSize() + POLLFD_REVENTS);
    }

    private static final long POLLFD_FD = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("fd"));
    private static final long POLLFD_EVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    private static final long POLLFD_REVENTS = POLLFD.byteOffset(MemoryLayout.PathElement.groupElement("revents"));

    /** @return x rounded up to a multiple of the page size */
    static long pageAlign(long x) {
        return (x + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
}
