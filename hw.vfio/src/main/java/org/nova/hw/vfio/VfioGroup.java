package org.nova.hw.vfio;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.nova.hw.HwException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IOMMU group opened through VFIO, with its own container: the container fd
 * (/dev/vfio/vfio), the group fd (/dev/vfio/N or /dev/vfio/noiommu-N), the IOMMU model set on the
 * container, the container's IOVA space and the DMA mappings made in it. A container per group
 * gives each group its own IOMMU domain: a function's DMA buffers are reachable by its group
 * only.
 *
 * <p>Ownership: the bridge owns its groups; {@link #close()} unmaps every DMA mapping still
 * present, closes the group fd, then the container fd (the kernel tears the IOMMU domain down
 * with the last group). Thread safety: synchronized.
 */
final class VfioGroup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VfioGroup.class);

    /** The IOMMU models the backend uses, best first. */
    enum IommuMode {
        /** VFIO_TYPE1v2_IOMMU: type-1 with the v2 unmap semantics. */
        TYPE1V2(VfioUapi.VFIO_TYPE1v2_IOMMU, "type1v2"),
        /** VFIO_TYPE1_IOMMU. */
        TYPE1(VfioUapi.VFIO_TYPE1_IOMMU, "type1"),
        /** VFIO_NOIOMMU_IOMMU: no translation and no isolation; DMA mapping impossible. */
        NOIOMMU(VfioUapi.VFIO_NOIOMMU_IOMMU, "noiommu");

        final int type;
        final String label;

        IommuMode(int type, String label) {
            this.type = type;
            this.label = label;
        }
    }

    /** One live VFIO_IOMMU_MAP_DMA. */
    record DmaMap(long iova, long size, long vaddr, int flags) {
    }

    final int number;
    final String node;
    final IommuMode mode;
    final long iovaPageSizes;
    private int containerFd;
    private int groupFd;
    private final IovaAllocator iova;
    private final Set<DmaMap> maps = ConcurrentHashMap.newKeySet();
    /** The scatter-gather mappings; their pieces are in {@link #maps} too. */
    private final Set<SgMap> sgMaps = ConcurrentHashMap.newKeySet();
    private final List<VfioFunction> devices = new ArrayList<>();
    private boolean closed;

    private VfioGroup(int number, String node, IommuMode mode, long pgsizes, int containerFd, int groupFd) {
        this.number = number;
        this.node = node;
        this.mode = mode;
        this.iovaPageSizes = pgsizes;
        this.containerFd = containerFd;
        this.groupFd = groupFd;
        long granule = pgsizes == 0 ? LibC.PAGE_SIZE : Math.max(LibC.PAGE_SIZE, Long.lowestOneBit(pgsizes));
        this.iova = new IovaAllocator(IovaAllocator.DEFAULT_BASE, IovaAllocator.DEFAULT_LIMIT, granule);
    }

    /**
     * Opens a group: container, API version, the best IOMMU model offered, group viability,
     * container attachment, IOMMU model, IOMMU info. On failure nothing stays open.
     *
     * @param candidate what sysfs says about a function of the group (names it in errors)
     * @param containerNode /dev/vfio/vfio
     * @throws HwException naming the function, the node and the reason
     */
    static VfioGroup open(SysfsPci.Candidate candidate, String containerNode) {
        String who = candidate.address() + " (IOMMU group " + candidate.group() + ")";
        int container = -1;
        int group = -1;
        try {
            container = openNode(who, containerNode);
            int api = LibC.ioctl("VFIO_GET_API_VERSION", container, VfioUapi.VFIO_GET_API_VERSION, 0L);
            if (api != VfioUapi.VFIO_API_VERSION) {
                throw new HwException(HwException.EINVAL, who + ": " + containerNode + " speaks VFIO API "
                        + api + ", this backend " + VfioUapi.VFIO_API_VERSION);
            }
            IommuMode mode = null;
            for (IommuMode m : IommuMode.values()) {
                if (m == IommuMode.NOIOMMU != candidate.noiommu()) {
                    continue;
                }
                if (LibC.ioctl("VFIO_CHECK_EXTENSION", container, VfioUapi.VFIO_CHECK_EXTENSION, (long) m.type) > 0) {
                    mode = m;
                    break;
                }
            }
            if (mode == null) {
                throw new HwException(HwException.ENODEV, who + ": the kernel offers no usable IOMMU model"
                        + (candidate.noiommu() ? " (the group is a no-IOMMU group but VFIO_NOIOMMU_IOMMU is not offered)"
                        : " (neither VFIO_TYPE1v2_IOMMU nor VFIO_TYPE1_IOMMU: is vfio_iommu_type1 loaded?)"));
            }
            group = openNode(who, candidate.groupNode().toString());
            try (Arena a = Arena.ofConfined()) {
                MemorySegment st = VfioUapi.allocate(a, VfioUapi.GROUP_STATUS, 0);
                LibC.ioctl("VFIO_GROUP_GET_STATUS", group, VfioUapi.VFIO_GROUP_GET_STATUS, st);
                int flags = VfioUapi.getInt(st, VfioUapi.GROUP_STATUS, "flags");
                if ((flags & VfioUapi.VFIO_GROUP_FLAGS_VIABLE) == 0) {
                    throw new HwException(HwException.EBUSY, who + ": group not viable: every function of IOMMU group "
                            + candidate.group() + " must be bound to vfio-pci or to no driver");
                }
                if ((flags & VfioUapi.VFIO_GROUP_FLAGS_CONTAINER_SET) != 0) {
                    throw new HwException(HwException.EBUSY, who + ": group already attached to a container");
                }
                MemorySegment cfd = a.allocate(JAVA_INT);
                cfd.set(JAVA_INT, 0, container);
                LibC.ioctl("VFIO_GROUP_SET_CONTAINER", group, VfioUapi.VFIO_GROUP_SET_CONTAINER, cfd);
            }
            LibC.ioctl("VFIO_SET_IOMMU", container, VfioUapi.VFIO_SET_IOMMU, (long) mode.type);
            long pgsizes = 0;
            if (mode != IommuMode.NOIOMMU) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment info = VfioUapi.allocate(a, VfioUapi.IOMMU_TYPE1_INFO, 0);
                    LibC.ioctl("VFIO_IOMMU_GET_INFO", container, VfioUapi.VFIO_IOMMU_GET_INFO, info);
                    if ((VfioUapi.getInt(info, VfioUapi.IOMMU_TYPE1_INFO, "flags") & VfioUapi.VFIO_IOMMU_INFO_PGSIZES) != 0) {
                        pgsizes = VfioUapi.getLong(info, VfioUapi.IOMMU_TYPE1_INFO, "iova_pgsizes");
                    }
                }
            }
            VfioGroup g = new VfioGroup(candidate.group(), candidate.groupNode().toString(), mode, pgsizes, container, group);
            if (mode == IommuMode.NOIOMMU) {
                LOG.warn("{}: VFIO in no-IOMMU mode ({}): no DMA isolation, DMA mapping unavailable", who,
                        candidate.groupNode());
            } else {
                LOG.info("{}: VFIO group {} in container fd {} with IOMMU model {} (iova_pgsizes 0x{})", who,
                        candidate.groupNode(), container, mode.label, Long.toHexString(pgsizes));
            }
            return g;
        } catch (LibC.ErrnoException e) {
            closeQuietly(group);
            closeQuietly(container);
            throw new HwException(e.errnoName(), who + ": " + e.getMessage() + hint(e.errno), e);
        } catch (RuntimeException e) {
            closeQuietly(group);
            closeQuietly(container);
            throw e;
        }
    }

    private static String hint(int errno) {
        return switch (errno) {
            case LibC.EACCES, LibC.EPERM -> " (permission denied: run as root or give the user the VFIO nodes)";
            case LibC.EBUSY -> " (the group is already open, in this or another process)";
            case LibC.ENOENT -> " (is the vfio module loaded?)";
            default -> "";
        };
    }

    private static int openNode(String who, String path) {
        return LibC.open(path);
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }

    /** @return the container fd, -1 once closed */
    synchronized int containerFd() {
        return containerFd;
    }

    /** @return the group fd, -1 once closed */
    synchronized int groupFd() {
        return groupFd;
    }

    /** Opens a device fd of this group (VFIO_GROUP_GET_DEVICE_FD). */
    synchronized int openDevice(String name) {
        if (closed) {
            throw new HwException(HwException.ENODEV, name + ": VFIO group " + number + " is closed");
        }
        try (Arena a = Arena.ofConfined()) {
            return LibC.ioctl("VFIO_GROUP_GET_DEVICE_FD " + name, groupFd, VfioUapi.VFIO_GROUP_GET_DEVICE_FD,
                    a.allocateFrom(name));
        }
    }

    synchronized void attach(VfioFunction f) {
        devices.add(f);
    }

    /** @return whether no device of the group is open any more */
    synchronized boolean detach(VfioFunction f) {
        devices.remove(f);
        return devices.isEmpty();
    }

    /**
     * Maps host memory at a newly allocated IOVA.
     *
     * @return the mapping
     * @throws HwException EINVAL in no-IOMMU mode, ENOMEM without IOVA space, the ioctl's errno
     */
    synchronized DmaMap map(String who, long vaddr, long size, int flags) {
        if (closed) {
            throw new HwException(HwException.ENODEV, who + ": VFIO group " + number + " is closed");
        }
        if (mode == IommuMode.NOIOMMU) {
            throw new HwException(HwException.EINVAL, who + ": VFIO no-IOMMU mode has no IOMMU to map DMA through");
        }
        long at = iova.allocate(size);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = VfioUapi.allocate(a, VfioUapi.DMA_MAP, 0);
            VfioUapi.setInt(m, VfioUapi.DMA_MAP, "flags", flags);
            VfioUapi.setLong(m, VfioUapi.DMA_MAP, "vaddr", vaddr);
            VfioUapi.setLong(m, VfioUapi.DMA_MAP, "iova", at);
            VfioUapi.setLong(m, VfioUapi.DMA_MAP, "size", size);
            LibC.ioctl("VFIO_IOMMU_MAP_DMA", containerFd, VfioUapi.VFIO_IOMMU_MAP_DMA, m);
        } catch (LibC.ErrnoException e) {
            iova.free(at);
            throw new HwException(e.errnoName(), who + ": " + e.getMessage() + " (iova 0x" + Long.toHexString(at)
                    + ", " + size + " bytes)", e);
        }
        DmaMap d = new DmaMap(at, size, vaddr, flags);
        maps.add(d);
        return d;
    }

    /** Unmaps a mapping (VFIO_IOMMU_UNMAP_DMA) and frees its IOVA; no-op if already unmapped. */
    synchronized void unmap(DmaMap d) {
        if (!maps.remove(d)) {
            return;
        }
        iova.free(d.iova());
        if (closed) {
            return;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment u = VfioUapi.allocate(a, VfioUapi.DMA_UNMAP, 0);
            VfioUapi.setLong(u, VfioUapi.DMA_UNMAP, "iova", d.iova());
            VfioUapi.setLong(u, VfioUapi.DMA_UNMAP, "size", d.size());
            LibC.ioctl("VFIO_IOMMU_UNMAP_DMA", containerFd, VfioUapi.VFIO_IOMMU_UNMAP_DMA, u);
        } catch (LibC.ErrnoException e) {
            LOG.warn("group {}: unmapping iova 0x{} ({} bytes) failed: {}", number, Long.toHexString(d.iova()),
                    d.size(), e.getMessage());
        }
    }

    /** One scatter-gather mapping: an IOVA range of its own with a VFIO_IOMMU_MAP_DMA per chunk. */
    record SgMap(long iova, long length, List<DmaMap> chunks) {
    }

    /**
     * Maps pieces of host memory in one newly allocated IOVA range, one VFIO_IOMMU_MAP_DMA per
     * piece at its offset (the IOMMU half of dma_map_sg); the rest of the range stays unmapped.
     * All or nothing: if one ioctl fails, the pieces mapped before it are unmapped and the IOVA freed.
     *
     * @param vaddrs the host address of each piece
     * @param sizes  the size of each piece, whole pages
     * @param offsets the offset of each piece in the range
     * @throws HwException as {@link #map}
     */
    synchronized SgMap mapChunks(String who, long[] vaddrs, long[] sizes, long[] offsets, long length, long alignment,
                                 int flags) {
        if (closed) {
            throw new HwException(HwException.ENODEV, who + ": VFIO group " + number + " is closed");
        }
        if (mode == IommuMode.NOIOMMU) {
            throw new HwException(HwException.EINVAL, who + ": VFIO no-IOMMU mode has no IOMMU to map DMA through");
        }
        long at = iova.allocate(length, alignment);
        List<DmaMap> done = new ArrayList<>(vaddrs.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = VfioUapi.allocate(a, VfioUapi.DMA_MAP, 0);
            for (int i = 0; i < vaddrs.length; i++) {
                VfioUapi.setInt(m, VfioUapi.DMA_MAP, "flags", flags);
                VfioUapi.setLong(m, VfioUapi.DMA_MAP, "vaddr", vaddrs[i]);
                VfioUapi.setLong(m, VfioUapi.DMA_MAP, "iova", at + offsets[i]);
                VfioUapi.setLong(m, VfioUapi.DMA_MAP, "size", sizes[i]);
                try {
                    LibC.ioctl("VFIO_IOMMU_MAP_DMA", containerFd, VfioUapi.VFIO_IOMMU_MAP_DMA, m);
                } catch (LibC.ErrnoException e) {
                    for (DmaMap d : done) {
                        unmapIoctl(d.iova(), d.size());
                    }
                    iova.free(at);
                    throw new HwException(e.errnoName(), who + ": " + e.getMessage() + " (chunk " + i + " of "
                            + vaddrs.length + " at iova 0x" + Long.toHexString(at + offsets[i]) + ", " + sizes[i]
                            + " bytes; the " + done.size() + " mapped before it were unmapped)", e);
                }
                done.add(new DmaMap(at + offsets[i], sizes[i], vaddrs[i], flags));
            }
        }
        maps.addAll(done);
        SgMap sg = new SgMap(at, length, List.copyOf(done));
        sgMaps.add(sg);
        return sg;
    }

    /** Unmaps a scatter-gather mapping, piece by piece, and frees its IOVA range; no-op if already unmapped. */
    synchronized void unmapChunks(SgMap sg) {
        if (!sgMaps.remove(sg)) {
            return;
        }
        for (DmaMap d : sg.chunks()) {
            maps.remove(d);
            if (!closed) {
                unmapIoctl(d.iova(), d.size());
            }
        }
        iova.free(sg.iova());
    }

    private void unmapIoctl(long at, long size) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment u = VfioUapi.allocate(a, VfioUapi.DMA_UNMAP, 0);
            VfioUapi.setLong(u, VfioUapi.DMA_UNMAP, "iova", at);
            VfioUapi.setLong(u, VfioUapi.DMA_UNMAP, "size", size);
            LibC.ioctl("VFIO_IOMMU_UNMAP_DMA", containerFd, VfioUapi.VFIO_IOMMU_UNMAP_DMA, u);
        } catch (LibC.ErrnoException e) {
            LOG.warn("group {}: unmapping iova 0x{} ({} bytes) failed: {}", number, Long.toHexString(at), size,
                    e.getMessage());
        }
    }

    /** @return a snapshot of the live DMA mappings */
    List<DmaMap> maps() {
        return List.copyOf(maps);
    }

    /** Unmaps everything, closes the group fd, then the container fd. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (SgMap sg : List.copyOf(sgMaps)) {
            unmapChunks(sg);
        }
        for (DmaMap d : List.copyOf(maps)) {
            unmap(d);
        }
        closed = true;
        LibC.close(groupFd);
        LibC.close(containerFd);
        LOG.debug("VFIO group {} closed (group fd {}, container fd {})", number, groupFd, containerFd);
        groupFd = -1;
        containerFd = -1;
    }
}
