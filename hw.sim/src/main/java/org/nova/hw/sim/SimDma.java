package org.nova.hw.sim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicBoolean;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaChunk;
import org.nova.hw.DmaMapping;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IommuFault;
import org.nova.hw.pci.PciAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A function's DMA: the buffers the host allocates for it, mapped in its IOMMU domain
 * ({@link IommuDomain}, a VFIO type1 container's role), and the device's reads and writes of host
 * memory through that domain (QEMU pci_dma_read/pci_dma_write), which need bus mastering. A refused
 * access is recorded as an IOMMU fault and logged as the kernel's DMAR driver reports it.
 *
 * <p>Thread safe: the domain synchronizes itself, the fault log on itself; device accesses may
 * come from a model's own thread.
 */
final class SimDma {
    private static final Logger LOG = LoggerFactory.getLogger(SimDma.class);

    /** Most IOMMU faults kept per function (older ones are dropped). */
    static final int MAX_FAULTS = 256;

    private final PciAddress address;
    private final String who;
    private final ConfigSpace config;
    private final BooleanSupplier present;
    private final IommuDomain iommu = new IommuDomain();
    private final Deque<IommuFault> faults = new ArrayDeque<>();

    /**
     * @param address the function's address, for the fault records
     * @param who the function, for messages
     * @param config its config space, whose command register gates bus mastering
     * @param present whether the function is still plugged in
     */
    SimDma(PciAddress address, String who, ConfigSpace config, BooleanSupplier present) {
        this.address = address;
        this.who = who;
        this.config = config;
        this.present = present;
    }

    /**
     * Allocates a buffer and maps it at the lowest free IOVA. The caller closes it, which unmaps it.
     *
     * @throws HwException EINVAL for a size below 1 or no direction, ENOMEM when too large or out
     *                     of IOVA space or memory, ENODEV when the function was removed
     */
    DmaBuffer allocate(long size, Set<DmaDirection> directions) {
        if (size < 1 || size > IommuDomain.IOVA_LIMIT - IommuDomain.IOVA_BASE) {
            throw new HwException(size < 1 ? HwException.EINVAL : HwException.ENOMEM,
                    who + ": DMA buffer size " + size + " is outside 1.." + (IommuDomain.IOVA_LIMIT - IommuDomain.IOVA_BASE));
        }
        if (directions == null || directions.isEmpty()) {
            throw new HwException(HwException.EINVAL, who + ": a DMA buffer needs at least one direction");
        }
        if (!present.getAsBoolean()) {
            throw new HwException(HwException.ENODEV, who + " has been removed");
        }
        Set<DmaDirection> dirs = Set.copyOf(directions);
        Arena arena = Arena.ofShared();
        try {
            MemorySegment memory = arena.allocate(IommuDomain.pageAlign(size), IommuDomain.PAGE_SIZE);
            long iova = iommu.map(memory, dirs.contains(DmaDirection.TO_DEVICE), dirs.contains(DmaDirection.FROM_DEVICE));
            return new SimDmaBuffer(iommu, arena, iova, size, dirs, memory.asSlice(0, size));
        } catch (HwException e) {
            arena.close();
            throw e;
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new HwException(HwException.ENOMEM, who + ": cannot allocate " + size + " bytes of DMA memory", e);
        }
    }

    /**
     * Maps memory the caller owns at one IOVA range, chunk by chunk (dma_map_sg's IOMMU half). The
     * caller closes the mapping before it frees the memory.
     *
     * @throws HwException as {@link org.nova.hw.PciFunction#mapDma}; nothing is mapped if this throws
     */
    DmaMapping map(List<DmaChunk> chunks, long length, long alignment, Set<DmaDirection> directions) {
        DmaChunk.check(who, chunks, length, alignment, directions, IommuDomain.PAGE_SIZE);
        if (!present.getAsBoolean()) {
            throw new HwException(HwException.ENODEV, who + " has been removed");
        }
        Set<DmaDirection> dirs = Set.copyOf(directions);
        long iova = iommu.mapChunks(chunks, length, alignment, dirs.contains(DmaDirection.TO_DEVICE),
                dirs.contains(DmaDirection.FROM_DEVICE));
        return new DmaMapping() {
            private final AtomicBoolean closed = new AtomicBoolean();

            @Override
            public long iova() {
                return iova;
            }

            @Override
            public long length() {
                return length;
            }

            @Override
            public Set<DmaDirection> directions() {
                return dirs;
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    iommu.unmap(iova);
                }
            }
        };
    }

    /** @return the number of live IOMMU mappings, for leak checks */
    int mappings() {
        return iommu.mappingCount();
    }

    /** @return the faults recorded, oldest first */
    List<IommuFault> faults() {
        synchronized (faults) {
            return List.copyOf(faults);
        }
    }

    /**
     * A device access to host memory: {@code device} is the source of a write and the destination
     * of a read.
     *
     * @return whether it happened; nothing is copied unless the whole range is mapped with the
     *     permission, bus mastering is on and the function is present
     */
    boolean transfer(long iova, MemorySegment device, boolean write) {
        if (!present.getAsBoolean()) {
            return false;
        }
        if (!config.busMaster()) {
            fault(iova, write, "bus mastering disabled (PCI_COMMAND_MASTER clear)");
            return false;
        }
        IommuDomain.Refusal refusal = iommu.transfer(iova, device, write);
        if (refusal != null) {
            fault(refusal.iova(), write, refusal.reason());
            return false;
        }
        return true;
    }

    private void fault(long iova, boolean write, String reason) {
        IommuFault f = new IommuFault(address, iova, write, reason, Instant.now());
        synchronized (faults) {
            if (faults.size() == MAX_FAULTS) {
                faults.removeFirst();
            }
            faults.addLast(f);
        }
        // The kernel's line: "DMAR: [DMA Write NO_PASID] Request device [00:03.0] fault addr 0x... [fault reason 0x05] ..."
        LOG.warn("DMAR: [DMA {}] Request device [{}] fault addr 0x{} [fault reason] {}",
                write ? "Write" : "Read", address, Long.toHexString(iova), reason);
    }
}
