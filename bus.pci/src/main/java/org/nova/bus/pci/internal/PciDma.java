package org.nova.bus.pci.internal;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.devres.DevresScope;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;

/**
 * Coherent DMA for one function: kernel/dma/mapping.c {@code dmam_alloc_coherent} (a buffer the
 * device reaches through its IOMMU domain, freed with the binding) and Rust's
 * {@code dma::CoherentAllocation}.
 */
final class PciDma {
    /** A coherent buffer is mapped for both directions (DMA_BIDIRECTIONAL). */
    private static final Set<DmaDirection> BIDIRECTIONAL = EnumSet.of(DmaDirection.TO_DEVICE,
            DmaDirection.FROM_DEVICE);

    private final PciDeviceImpl dev;

    PciDma(PciDeviceImpl dev) {
        this.dev = dev;
    }

    /** A coherent buffer over a backend DMA buffer. */
    private final class Coherent implements DmaCoherent {
        final DmaBuffer buffer;
        DevresScope.Action action;

        Coherent(DmaBuffer buffer) {
            this.buffer = buffer;
        }

        @Override
        public long iova() {
            return buffer.iova();
        }

        @Override
        public long size() {
            return buffer.size();
        }

        @Override
        public MemorySegment memory() {
            return buffer.memory();
        }

        @Override
        public void close() {
            dev.device().devres().releaseAction(action);
        }
    }

    /** @see PciDevice#allocCoherent */
    DmaCoherent allocCoherent(long size) {
        if (size < 1) {
            throw new DriverException(Errno.EINVAL, "allocCoherent on " + dev.address() + ": size " + size + " < 1");
        }
        dev.device(); // not yet a device of the bus: refused before anything is allocated
        DmaBuffer b;
        try {
            b = dev.function().allocateDma(size, BIDIRECTIONAL);
        } catch (HwException e) {
            throw Hw.translate(e, "allocating " + size + " bytes of DMA memory for " + dev.address());
        }
        Coherent c = new Coherent(b);
        c.action = dev.addAction("pci:dma@" + Long.toHexString(b.iova()), b::close);
        return c;
    }
}
