package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.X86Msi.MSI_ADDR_BASE_LO;

import org.nova.hw.IrqType;
import org.nova.hw.RegionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MSI-X capability of a function (PCI Local Bus Spec 3.0, 6.8.2), as QEMU's hw/pci/msix.c
 * models it: its layout and masks ({@link #add}, msix_init: enable and function mask writable), the
 * vector table and pending bit array in a memory BAR ({@link MsixTable}, laid over the device's
 * region by {@link MsixOverlay}), what a write to the capability or a vector's control word does
 * (enabling drops INTx; unmasking sends pending vectors: msix_handle_mask_update) and sending a
 * vector (msix_notify). {@link #program} enables it as drivers/pci/msi/msi.c
 * msix_capability_init does.
 *
 * <p>Owns the table; guarded by the function's lock.
 */
final class MsixCapability {
    private static final Logger LOG = LoggerFactory.getLogger(MsixCapability.class);
    /** Alignment of the table and the PBA in their BARs: the BIR bits below it (PCI 3.0, 6.8.2.4). */
    private static final int STRUCTURE_ALIGN_MASK = PCI_MSIX_BIR;
    /** Bytes of one PBA word (a qword of 64 pending bits). */
    private static final int PBA_WORD = Long.BYTES;

    private final ConfigSpace config;
    private final int cap;
    private final IntxPin intx;
    private final FunctionIrqs irqs;
    private final String who;
    private final MsixTable table;

    /**
     * Lays out an MSI-X capability. The table and PBA live in BARs that must be declared too
     * ({@link #checkStructuresFit} at build time).
     *
     * @param tableSize   vectors, 1..2048
     * @param tableBar    BAR holding the table
     * @param tableOffset offset of the table in that BAR, 8-byte aligned
     * @param pbaBar      BAR holding the pending bit array
     * @param pbaOffset   offset of the PBA in that BAR, 8-byte aligned
     */
    static void add(ConfigSpaceBuilder b, int tableSize, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {
        if (tableSize < 1 || tableSize > PCI_MSIX_FLAGS_QSIZE + 1
                || (tableOffset & STRUCTURE_ALIGN_MASK) != 0 || (pbaOffset & STRUCTURE_ALIGN_MASK) != 0) {
            throw new IllegalArgumentException("bad MSI-X layout: " + tableSize + " vectors, table at 0x"
                    + Integer.toHexString(tableOffset) + ", PBA at 0x" + Integer.toHexString(pbaOffset));
        }
        int cap = b.addCap(PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
        b.put16(cap + PCI_MSIX_FLAGS, tableSize - 1);
        b.mask16(cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        b.put32(cap + PCI_MSIX_TABLE, tableOffset | tableBar);
        b.put32(cap + PCI_MSIX_PBA, pbaOffset | pbaBar);
    }

    /** @return bytes of the pending bit array for tableSize vectors (one bit each, in qwords) */
    static long pbaBytes(int tableSize) {
        return (long) (tableSize + Long.SIZE - 1) / Long.SIZE * PBA_WORD;
    }

    private static int tableSize(ConfigSpace config, int cap) {
        return (config.get16(cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
    }

    /**
     * Checks that the table and the PBA fit in memory BARs of the config space.
     *
     * @throws IllegalStateException naming the structure that does not
     */
    static void checkStructuresFit(ConfigSpace config) {
        int cap = config.msixCap();
        int vectors = tableSize(config, cap);
        checkFits(config, config.get32(cap + PCI_MSIX_TABLE), (long) vectors * PCI_MSIX_ENTRY_SIZE);
        checkFits(config, config.get32(cap + PCI_MSIX_PBA), pbaBytes(vectors));
    }

    private static void checkFits(ConfigSpace config, int location, long length) {
        int bar = location & PCI_MSIX_BIR;
        int offset = location & PCI_MSIX_OFFSET;
        BarSpec spec = bar < RegionInfo.BAR_COUNT ? config.bar(bar) : null;
        if (spec == null || spec.kind() == BarSpec.Kind.IO || offset + length > spec.size()) {
            throw new IllegalStateException("MSI-X structure at BAR" + bar + "+0x" + Integer.toHexString(offset)
                    + " does not fit in a memory BAR");
        }
    }

    /**
     * Creates the table and lays it and the PBA over the regions of their BARs.
     *
     * @param cap the capability's offset
     * @param intx the pin MSI-X takes over from
     * @param irqs where vectors go
     * @param who the function, for messages
     * @param regions the function's regions, where the overlays replace the device's
     * @param bars the function's BARs
     * @throws IllegalStateException if a structure is in a BAR that is no memory BAR
     */
    MsixCapability(ConfigSpace config, int cap, IntxPin intx, FunctionIrqs irqs, String who, Region[] regions,
                   BarSpec[] bars) {
        this.config = config;
        this.cap = cap;
        this.intx = intx;
        this.irqs = irqs;
        this.who = who;
        this.table = new MsixTable(tableSize(config, cap));
        int tableLoc = config.get32(cap + PCI_MSIX_TABLE);
        int pbaLoc = config.get32(cap + PCI_MSIX_PBA);
        int tableBar = tableLoc & PCI_MSIX_BIR;
        int pbaBar = pbaLoc & PCI_MSIX_BIR;
        for (int bar : tableBar == pbaBar ? new int[] {tableBar} : new int[] {tableBar, pbaBar}) {
            if (bar >= RegionInfo.BAR_COUNT || regions[bar] == null || bars[bar].kind() == BarSpec.Kind.IO) {
                throw new IllegalStateException(who + ": MSI-X structures in BAR" + bar + ", which is no memory BAR");
            }
            regions[bar] = new MsixOverlay(regions[bar], table,
                    bar == tableBar ? tableLoc & PCI_MSIX_OFFSET : -1,
                    bar == pbaBar ? pbaLoc & PCI_MSIX_OFFSET : -1,
                    this::vectorControlWritten);
        }
    }

    /** @return the number of vectors */
    int size() {
        return table.size();
    }

    /** @return Message Control */
    int flags() {
        return config.get16(cap + PCI_MSIX_FLAGS);
    }

    /** @return whether MSI-X Enable is set (QEMU msix_enabled) */
    boolean enabled() {
        return (flags() & PCI_MSIX_FLAGS_ENABLE) != 0;
    }

    /** @return whether a write of width bytes at offset touched Message Control */
    boolean written(int offset, int width) {
        return ConfigSpace.overlaps(offset, width, cap + PCI_MSIX_FLAGS, Short.BYTES);
    }

    /** Side effects of a Message Control write: enabling drops INTx; unmasking sends pending vectors. */
    void configWritten(int oldFlags) {
        int flags = flags();
        if ((flags & PCI_MSIX_FLAGS_ENABLE) == 0) {
            return;
        }
        if ((oldFlags & PCI_MSIX_FLAGS_ENABLE) == 0) {
            intx.deassert();
        }
        if ((flags & PCI_MSIX_FLAGS_MASKALL) == 0) {
            for (int v = 0; v < table.size(); v++) {
                vectorControlWritten(v);
            }
        }
    }

    /** A vector's control word changed: send it if it is now unmasked and pending (QEMU msix_handle_mask_update). */
    private void vectorControlWritten(int vector) {
        if (table.pending(vector) && !table.masked(vector)) {
            table.setPending(vector, false);
            notify(vector);
        }
    }

    /** Sets or clears a vector's Mask bit as software writes it; clearing sends what is pending (msix_handle_mask_update). */
    void setVectorMasked(int vector, boolean masked) {
        table.setMasked(vector, masked);
        if (!masked) {
            vectorControlWritten(vector);
        }
    }

    /** @return whether the vector's Mask bit is set */
    boolean vectorMasked(int vector) {
        return table.masked(vector);
    }

    /** Sends vector (QEMU msix_notify): pending if masked, dropped if not enabled or not bus master. */
    void notify(int vector) {
        if (!enabled()) {
            LOG.debug("{}: MSI-X vector {} dropped: MSI-X is not enabled", who, vector);
            return;
        }
        if (vector < 0 || vector >= table.size()) {
            LOG.warn("{}: MSI-X vector {} dropped: the table has {} entries", who, vector, table.size());
            return;
        }
        if ((flags() & PCI_MSIX_FLAGS_MASKALL) != 0 || table.masked(vector)) {
            table.setPending(vector, true);
            return;
        }
        if (!config.busMaster()) {
            LOG.debug("{}: MSI-X vector {} dropped: bus mastering is disabled", who, vector);
            return;
        }
        irqs.deliver(IrqType.MSIX, vector);
    }

    /** Enables count vectors like drivers/pci/msi/msi.c msix_capability_init and the x86 message composer. */
    void program(int count, ConfigSpace.Writer w) {
        intx.program(false, w);
        int flags = flags();
        // Enable with all vectors masked while the table is programmed.
        w.write(cap + PCI_MSIX_FLAGS, Short.BYTES, flags | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        for (int v = 0; v < count; v++) {
            long entry = (long) v * PCI_MSIX_ENTRY_SIZE;
            table.writeTable(entry + PCI_MSIX_ENTRY_LOWER_ADDR, Integer.BYTES, MSI_ADDR_BASE_LO);
            table.writeTable(entry + PCI_MSIX_ENTRY_UPPER_ADDR, Integer.BYTES, 0);
            table.writeTable(entry + PCI_MSIX_ENTRY_DATA, Integer.BYTES, v);
            table.setMasked(v, false);
        }
        w.write(cap + PCI_MSIX_FLAGS, Short.BYTES, (flags | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL);
    }

    /** Masks the count vectors, disables MSI-X and gives the function INTx back (pci_msix_shutdown). */
    void disable(int count, ConfigSpace.Writer w) {
        for (int v = 0; v < count; v++) {
            table.setMasked(v, true);
        }
        w.write(cap + PCI_MSIX_FLAGS, Short.BYTES, flags() & ~PCI_MSIX_FLAGS_ENABLE);
        intx.program(true, w);
    }

    /** Function-level reset: every vector masked, nothing pending. */
    void reset() {
        table.reset();
    }
}
