package org.nova.gpu.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.nova.bus.pci.DmaCoherent;
import org.nova.bus.pci.PciDevice;
import org.nova.nvidia.gsp.LibosLog;

/**
 * One of the GSP's LibOS log buffers (nova-core gsp.rs LogBuffer, torvalds/linux 032a6772):
 * {@link LibosLog#PAGES} GSP pages of coherent DMA memory, zeroed, whose own page table (one DMA
 * address per page) is written from entry {@link LibosLog#PTE_ENTRY} on, where LibOS reads it when
 * it maps the buffer. GSP-RM then writes records into it ({@link LibosLogDecoder}). The memory is a
 * device resource of the binding: {@link #bytes} gives an empty array once it was released.
 *
 * @param name the LibOS region name it is registered under (LOGINIT, LOGINTR, LOGRM)
 * @param dma its memory
 */
record LogBuffer(String name, DmaCoherent dma) {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Allocates a buffer and writes its page table into it. */
    static LogBuffer create(PciDevice dev, String name) {
        DmaCoherent d = dev.allocCoherent(LibosLog.SIZE);
        MemorySegment m = d.memory();
        for (int p = 0; p < LibosLog.PAGES; p++) {
            m.set(LE64, (long) (LibosLog.PTE_ENTRY + p) * LibosLog.ENTRY_BYTES,
                    Math.addExact(d.iova(), (long) p * LibosLog.PAGE_SIZE));
        }
        return new LogBuffer(name, d);
    }

    /** @return a copy of the whole buffer as GSP-RM left it so far; empty once released at unbind */
    byte[] bytes() {
        try {
            return dma.memory().toArray(ValueLayout.JAVA_BYTE);
        } catch (IllegalStateException e) {
            return new byte[0];
        }
    }
}
