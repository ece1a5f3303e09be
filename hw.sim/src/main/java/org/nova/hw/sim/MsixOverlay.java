package org.nova.hw.sim;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.nova.hw.pci.PciRegs;

/**
 * A BAR region with the MSI-X table and/or PBA laid over part of it, as QEMU's msix_init
 * overlays its table and PBA MemoryRegions on the device's BAR. Accesses inside the table go to
 * the table (a write of a vector control word is reported so a pending, now unmasked vector can
 * be sent); accesses inside the PBA read the pending bits (writes are ignored: the PBA is
 * read-only); everything else goes to the device's region.
 */
final class MsixOverlay implements Region {
    private final Region device;
    private final MsixTable msix;
    private final long tableStart;
    private final long pbaStart;
    private final IntConsumer vectorControlWritten;

    /**
     * @param device               the device's region of this BAR
     * @param msix                 the table
     * @param tableStart           table offset in this BAR, or -1 if the table is elsewhere
     * @param pbaStart             PBA offset in this BAR, or -1 if the PBA is elsewhere
     * @param vectorControlWritten called with the vector whose control word was written
     */
    MsixOverlay(Region device, MsixTable msix, long tableStart, long pbaStart, IntConsumer vectorControlWritten) {
        this.device = device;
        this.msix = msix;
        this.tableStart = tableStart;
        this.pbaStart = pbaStart;
        this.vectorControlWritten = vectorControlWritten;
    }

    private boolean inTable(long offset) {
        return tableStart >= 0 && offset >= tableStart && offset < tableStart + msix.tableBytes();
    }

    private boolean inPba(long offset) {
        return pbaStart >= 0 && offset >= pbaStart && offset < pbaStart + msix.pbaBytes();
    }

    @Override
    public long size() {
        return device.size();
    }

    @Override
    public long read(long offset, int size) {
        if (inTable(offset)) {
            return msix.readTable(offset - tableStart, size);
        }
        if (inPba(offset)) {
            return msix.readPba(offset - pbaStart, size);
        }
        return device.read(offset, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        if (inTable(offset)) {
            long at = offset - tableStart;
            msix.writeTable(at, size, value);
            int vector = (int) (at / PciRegs.PCI_MSIX_ENTRY_SIZE);
            long inEntry = at % PciRegs.PCI_MSIX_ENTRY_SIZE;
            if (ConfigSpace.overlaps((int) inEntry, size, PciRegs.PCI_MSIX_ENTRY_VECTOR_CTRL, Integer.BYTES)) {
                vectorControlWritten.accept(vector);
            }
            return;
        }
        if (inPba(offset)) {
            return;
        }
        device.write(offset, size, value);
    }

    @Override
    public Optional<MemorySegment> memory() {
        // The table must see every access: never expose the BAR as plain memory.
        return Optional.empty();
    }

    @Override
    public void release() {
        device.release();
    }
}
