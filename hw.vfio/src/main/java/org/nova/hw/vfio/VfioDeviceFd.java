package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntFunction;
import org.nova.hw.HwException;
import org.nova.hw.pci.PciAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device file descriptor of one function bound to vfio-pci (VFIO_GROUP_GET_DEVICE_FD) and what
 * the kernel said through it when it was opened: the device flags (VFIO_DEVICE_GET_INFO), the fixed
 * vfio-pci regions with their offsets in the fd (VFIO_DEVICE_GET_REGION_INFO) and the interrupt
 * indexes (VFIO_DEVICE_GET_IRQ_INFO) — the answers of drivers/vfio/pci/vfio_pci_core.c's
 * vfio_pci_ioctl_get_info, _get_region_info and _get_irq_info. pread/pwrite at a region's offset
 * reach the device as vfio_pci_rdwr.c forwards them.
 *
 * <p>Every use of the fd holds a read lock, and {@link #close()} takes the write lock, so no access
 * ever reaches a closed fd (or a number the process has reused meanwhile). From
 * {@link #revoke()} on every access fails with ENODEV: the function is gone even while the fd is
 * still open.
 *
 * <p>Ownership: the {@link VfioFunction} owns it and closes it last, after everything mapped or
 * enabled through it.
 */
final class VfioDeviceFd implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VfioDeviceFd.class);
    /** PCI is little-endian: 16-bit register values, naturally aligned. */
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** 32-bit little-endian (accesses are naturally aligned: the callers check it). */
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** 64-bit little-endian, naturally aligned. */
    static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What VFIO_DEVICE_GET_REGION_INFO said about one region: its flags, size, offset in the fd and capabilities. */
    record Region(int index, int flags, long size, long offset, VfioInfoCaps caps) {
        Region(int index, int flags, long size, long offset) {
            this(index, flags, size, offset, VfioInfoCaps.NONE);
        }

        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    /** One VFIO_DEVICE_GET_REGION_INFO call on the device fd (a seam for tests: the kernel's answers without a kernel). */
    @FunctionalInterface
    interface RegionInfoIoctl {
        /** @throws LibC.ErrnoException as ioctl(2) fails */
        void call(MemorySegment regionInfo);
    }

    private final PciAddress address;
    private final int deviceFlags;
    private final Region[] regions;
    private final int[] irqCount = new int[VfioUapi.VFIO_PCI_NUM_IRQS];
    private final int[] irqFlags = new int[VfioUapi.VFIO_PCI_NUM_IRQS];
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private int fd;
    private volatile boolean revoked;

    private VfioDeviceFd(PciAddress address, int fd, int deviceFlags, Region[] regions) {
        this.address = address;
        this.fd = fd;
        this.deviceFlags = deviceFlags;
        this.regions = regions;
    }

    /**
     * Opens the device fd of a function of an open group and asks the kernel about it. On
     * failure the fd is closed again.
     *
     * @throws HwException EINVAL if the device is not a vfio-pci device, else the ioctl's errno
     */
    static VfioDeviceFd open(VfioGroup group, PciAddress address) {
        String name = address.toString();
        int fd;
        try {
            fd = group.openDevice(name);
        } catch (LibC.ErrnoException e) {
            throw new HwException(e.errnoName(), name + ": " + e.getMessage(), e);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment di = VfioUapi.allocate(a, VfioUapi.DEVICE_INFO, 0);
            LibC.ioctl("VFIO_DEVICE_GET_INFO", fd, VfioUapi.VFIO_DEVICE_GET_INFO, di);
            int flags = VfioUapi.getInt(di, VfioUapi.DEVICE_INFO, "flags");
            int numRegions = VfioUapi.getInt(di, VfioUapi.DEVICE_INFO, "num_regions");
            int numIrqs = VfioUapi.getInt(di, VfioUapi.DEVICE_INFO, "num_irqs");
            if ((flags & VfioUapi.VFIO_DEVICE_FLAGS_PCI) == 0 || numRegions <= VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX) {
                throw new HwException(HwException.EINVAL, name + ": not a vfio-pci device (flags 0x"
                        + Integer.toHexString(flags) + ", " + numRegions + " regions)");
            }
            Region[] regions = new Region[VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX + 1];
            for (int i = 0; i < regions.length; i++) {
                regions[i] = regionInfo(a, fd, i);
            }
            VfioDeviceFd d = new VfioDeviceFd(address, fd, flags, regions);
            for (int i = 0; i < Math.min(numIrqs, VfioUapi.VFIO_PCI_NUM_IRQS); i++) {
                d.irqInfo(a, i);
            }
            return d;
        } catch (LibC.ErrnoException e) {
            LibC.close(fd);
            throw new HwException(e.errnoName(), name + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /**
     * Takes over an open fd whose regions the caller already knows, without asking the kernel:
     * the unit tests lay a file out as a vfio-pci device fd and reach it with the same pread,
     * pwrite and mmap. The fd becomes this object's to close.
     *
     * @param regions the regions 0..VFIO_PCI_CONFIG_REGION_INDEX, by index
     */
    static VfioDeviceFd adopt(PciAddress address, int fd, Region... regions) {
        if (regions.length != VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX + 1) {
            throw new IllegalArgumentException(regions.length + " regions, not " + (VfioUapi.VFIO_PCI_CONFIG_REGION_INDEX + 1));
        }
        return new VfioDeviceFd(address, fd, VfioUapi.VFIO_DEVICE_FLAGS_PCI, regions.clone());
    }

    private static Region regionInfo(Arena a, int fd, int index) {
        try {
            return regionInfo(a, index, ri -> LibC.ioctl("VFIO_DEVICE_GET_REGION_INFO " + index, fd,
                    VfioUapi.VFIO_DEVICE_GET_REGION_INFO, ri));
        } catch (LibC.ErrnoException e) {
            if (e.errno == LibC.EINVAL) { // index not implemented
                return new Region(index, 0, 0, 0);
            }
            throw e;
        }
    }

    /**
     * Asks for a region's info and its capability chain. The kernel (vfio_pci_ioctl_get_region_info)
     * copies the chain only if argsz leaves room for it; when it does not, it sets
     * VFIO_REGION_INFO_FLAG_CAPS, raises argsz to the size it needs and leaves cap_offset 0: the
     * caller asks again with that argsz.
     *
     * @throws LibC.ErrnoException as the ioctl fails
     * @throws HwException EINVAL if the kernel's chain does not parse, or its argsz shrinks or grows again
     */
    static Region regionInfo(Arena a, int index, RegionInfoIoctl ioctl) {
        long fixed = VfioUapi.REGION_INFO.byteSize();
        MemorySegment ri = VfioUapi.allocate(a, VfioUapi.REGION_INFO, 0);
        VfioUapi.setInt(ri, VfioUapi.REGION_INFO, "index", index);
        ioctl.call(ri);
        int flags = VfioUapi.getInt(ri, VfioUapi.REGION_INFO, "flags");
        long wanted = Integer.toUnsignedLong(VfioUapi.getInt(ri, VfioUapi.REGION_INFO, VfioUapi.ARGSZ));
        if ((flags & VfioUapi.VFIO_REGION_INFO_FLAG_CAPS) != 0 && wanted > fixed) {
            ri = VfioUapi.allocate(a, VfioUapi.REGION_INFO, wanted - fixed);
            VfioUapi.setInt(ri, VfioUapi.REGION_INFO, "index", index);
            ioctl.call(ri);
            flags = VfioUapi.getInt(ri, VfioUapi.REGION_INFO, "flags");
            long again = Integer.toUnsignedLong(VfioUapi.getInt(ri, VfioUapi.REGION_INFO, VfioUapi.ARGSZ));
            if (again != wanted) {
                throw new HwException(HwException.EINVAL, "VFIO_DEVICE_GET_REGION_INFO " + index + ": argsz " + wanted
                        + " asked for, then " + again);
            }
        }
        long size = VfioUapi.getLong(ri, VfioUapi.REGION_INFO, "size");
        VfioInfoCaps caps = (flags & VfioUapi.VFIO_REGION_INFO_FLAG_CAPS) != 0 ? VfioInfoCaps.parse(ri, size)
                : VfioInfoCaps.NONE;
        return new Region(index, flags, size, VfioUapi.getLong(ri, VfioUapi.REGION_INFO, "offset"), caps);
    }

    private void irqInfo(Arena a, int index) {
        MemorySegment ii = VfioUapi.allocate(a, VfioUapi.IRQ_INFO, 0);
        VfioUapi.setInt(ii, VfioUapi.IRQ_INFO, "index", index);
        try {
            LibC.ioctl("VFIO_DEVICE_GET_IRQ_INFO " + index, fd, VfioUapi.VFIO_DEVICE_GET_IRQ_INFO, ii);
        } catch (LibC.ErrnoException e) {
            if (e.errno == LibC.EINVAL) { // index not implemented (ERR needs PCIe AER)
                return;
            }
            throw e;
        }
        irqFlags[index] = VfioUapi.getInt(ii, VfioUapi.IRQ_INFO, "flags");
        irqCount[index] = VfioUapi.getInt(ii, VfioUapi.IRQ_INFO, "count");
    }

    /** @return whether VFIO_DEVICE_GET_INFO reported the flag (VFIO_DEVICE_FLAGS_*) */
    boolean hasDeviceFlag(int flag) {
        return (deviceFlags & flag) != 0;
    }

    /** @return the region of a vfio-pci index (0..VFIO_PCI_CONFIG_REGION_INDEX); size 0 if absent */
    Region region(int index) {
        return regions[index];
    }

    /** @return the vectors of a vfio-pci interrupt index, 0 if the kernel does not implement it */
    int irqCount(int index) {
        return irqCount[index];
    }

    /** @return whether VFIO_DEVICE_GET_IRQ_INFO reported the flag (VFIO_IRQ_INFO_*) for the index */
    boolean hasIrqFlag(int index, int flag) {
        return (irqFlags[index] & flag) != 0;
    }

    // ---- access under the read lock -----------------------------------------------------------

    /**
     * Runs a pread/pwrite/ioctl/mmap on the fd, translating errno into {@link HwException}.
     *
     * @throws HwException ENODEV once revoked or closed
     */
    <T> T with(String what, IntFunction<T> op) {
        ReentrantReadWriteLock.ReadLock l = lock.readLock();
        l.lock();
        try {
            if (fd < 0 || revoked) {
                throw new HwException(HwException.ENODEV, address + ": " + what + ": the function was removed");
            }
            return op.apply(fd);
        } catch (LibC.ErrnoException e) {
            throw new HwException(e.errnoName(), address + ": " + what + ": " + e.getMessage(), e);
        } finally {
            l.unlock();
        }
    }

    /** Reads width (1, 2, 4, 8) little-endian bytes at an absolute fd offset. */
    long pread(String what, long fdOffset, int width) {
        return with(what, f -> {
            MemorySegment buf = LibC.scratch();
            LibC.pread(what, f, buf, width, fdOffset);
            return switch (width) {
                case Byte.BYTES -> (long) Byte.toUnsignedInt(buf.get(JAVA_BYTE, 0));
                case Short.BYTES -> (long) Short.toUnsignedInt(buf.get(LE_SHORT, 0));
                case Integer.BYTES -> Integer.toUnsignedLong(buf.get(LE_INT, 0));
                default -> buf.get(LE_LONG, 0);
            };
        });
    }

    /** Reads length bytes at an absolute fd offset in one pread. */
    byte[] preadBlock(String what, long fdOffset, int length) {
        return with(what, f -> {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment buf = a.allocate(Math.max(length, 1));
                LibC.pread(what, f, buf, length, fdOffset);
                return buf.asSlice(0, length).toArray(JAVA_BYTE);
            }
        });
    }

    /** Writes width (1, 2, 4, 8) little-endian bytes at an absolute fd offset. */
    void pwrite(String what, long fdOffset, int width, long value) {
        with(what, f -> {
            MemorySegment buf = LibC.scratch();
            switch (width) {
                case Byte.BYTES -> buf.set(JAVA_BYTE, 0, (byte) value);
                case Short.BYTES -> buf.set(LE_SHORT, 0, (short) value);
                case Integer.BYTES -> buf.set(LE_INT, 0, (int) value);
                default -> buf.set(LE_LONG, 0, value);
            }
            LibC.pwrite(what, f, buf, width, fdOffset);
            return null;
        });
    }

    /** ioctl on the fd with a struct argument. */
    void ioctl(String what, long request, MemorySegment arg) {
        with(what, f -> LibC.ioctl(what, f, request, arg));
    }

    /** mmap(MAP_SHARED) of the fd at an absolute offset; returns the address. */
    long mmap(String what, long length, int prot, long fdOffset) {
        return with(what, f -> LibC.mmap(what, length, prot, LibC.MAP_SHARED, f, fdOffset));
    }

    // ---- end of life ------------------------------------------------------------------------------

    /** From now on every access fails with ENODEV; the fd stays open until {@link #close()}. */
    void revoke() {
        revoked = true;
    }

    /** @return false once revoked or closed */
    boolean usable() {
        return !revoked && fd() >= 0;
    }

    /** Revokes and closes the fd, waiting for accesses in flight. Idempotent. */
    @Override
    public void close() {
        revoked = true;
        ReentrantReadWriteLock.WriteLock l = lock.writeLock();
        l.lock();
        try {
            if (fd >= 0) {
                LibC.close(fd);
                LOG.debug("{}: device fd {} closed", address, fd);
                fd = -1;
            }
        } finally {
            l.unlock();
        }
    }

    /** @return the fd number (diagnostics), -1 once closed */
    int fd() {
        lock.readLock().lock();
        try {
            return fd;
        } finally {
            lock.readLock().unlock();
        }
    }
}
