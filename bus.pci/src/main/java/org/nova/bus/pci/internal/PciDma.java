package org.nova.bus.pci.internal;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.DmaDataDirection;
import org.nova.bus.pci.DmaNoncoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;

/**
 * DMA buffers for one function, kernel/dma/mapping.c: {@code dmam_alloc_coherent} (Rust's
 * {@code dma::CoherentAllocation}; mapped both ways) and {@code dma_alloc_noncoherent} (mapped for
 * one direction, so the IOMMU refuses the other). Each is a buffer the device reaches through its
 * IOMMU domain, freed with the binding at the latest.
 */
final class PciDma {
    /** A coherent buffer is mapped for both directions (DMA_BIDIRECTIONAL). */
    private static final Set<DmaDirection> BIDIRECTIONAL = EnumSet.of(DmaDirection.TO_DEVICE,
            DmaDirection.FROM_DEVICE);

    private final PciDeviceImpl dev;

    PciDma(PciDeviceImpl dev) {
        this.dev = dev;
    }

    /** A device resource over a backend DMA buffer: released by close() or with the binding. */
    private abstract class Buffer {
        final DmaBuffer buffer;
        DevresScope.Action action;

        Buffer(DmaBuffer buffer) {
            this.buffer = buffer;
        }

        public long iova() {
            return buffer.iova();
        }

        public long size() {
            return buffer.size();
        }

        public MemorySegment memory() {
            return buffer.memory();
        }

        public void close() {
            dev.device().devres().releaseAction(action);
        }
    }

    /** A coherent buffer: mapped both ways. */
    private final class Coherent extends Buffer implements DmaCoherent {
        Coherent(DmaBuffer buffer) {
            super(buffer);
        }
    }

    /** A one-direction buffer. */
    private final class Noncoherent extends Buffer implements DmaNoncoherent {
        final DmaDataDirection direction;

        Noncoherent(DmaBuffer buffer, DmaDataDirection direction) {
            super(buffer);
            this.direction = direction;
        }

        @Override
        public DmaDataDirection direction() {
            return direction;
        }
    }

    /** @see PciDevice#allocCoherent */
    DmaCoherent allocCoherent(long size) {
        DmaBuffer b = allocate("allocCoherent", size, BIDIRECTIONAL, "DMA memory");
        Coherent c = new Coherent(b);
        c.action = dev.addAction("pci:dma@" + Long.toHexString(b.iova()), b::close);
        return c;
    }

    /** @see PciDevice#allocNoncoherent */
    DmaNoncoherent allocNoncoherent(long size, DmaDataDirection direction) {
        if (direction == null) {
            throw new DriverException(Errno.EINVAL, "allocNoncoherent on " + dev.address() + ": no direction");
        }
        Set<DmaDirection> ways = switch (direction) {
            case BIDIRECTIONAL -> BIDIRECTIONAL;
            case TO_DEVICE -> EnumSet.of(DmaDirection.TO_DEVICE);
            case FROM_DEVICE -> EnumSet.of(DmaDirection.FROM_DEVICE);
        };
        DmaBuffer b = allocate("allocNoncoherent", size, ways, direction + " DMA memory");
        Noncoherent n = new Noncoherent(b, direction);
        n.action = dev.addAction("pci:dma@" + Long.toHexString(b.iova()), b::close);
        return n;
    }

    /** Checks the size, then takes a buffer from the backend; nothing is held if this throws. */
    private DmaBuffer allocate(String call, long size, Set<DmaDirection> ways, String what) {
        if (size < 1) {
            throw new DriverException(Errno.EINVAL, call + " on " + dev.address() + ": size " + size + " < 1");
        }
        dev.device(); // not yet a device of the bus: refused before anything is allocated
        try {
            return dev.function().allocateDma(size, ways);
        } catch (HwException e) {
            throw Hw.translate(e, "allocating " + size + " bytes of " + what + " for " + dev.address());
        }
    }
}
