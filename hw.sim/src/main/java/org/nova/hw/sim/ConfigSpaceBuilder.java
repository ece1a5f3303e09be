package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.*;

import java.util.Arrays;
import org.nova.hw.RegionInfo;

/**
 * Builds a {@link ConfigSpace} from named fields: a standard type-0 header with the write masks
 * of QEMU hw/pci/pci.c (pci_init_wmask, pci_init_w1cmask), BARs whose write mask makes size
 * probing work (writing all ones reads back the size mask, PCI Local Bus Spec 3.0, 6.2.5.1), the
 * expansion ROM, and capability lists linked through their next pointers in the order added, so
 * that a kernel-style walk finds each one.
 *
 * <p>Each capability's layout lives with the model of its behaviour, as QEMU keeps msi_init with
 * msi_write_config: {@link MsiCapability}, {@link MsixCapability}, {@link ExpressCapability},
 * {@link SriovState}; they fill the registers through the package-private primitives here. The
 * power management capability, which has no behaviour beyond its masks, is laid out here.
 */
final class ConfigSpaceBuilder {
    /** Byte mask. */
    private static final int BYTE = 0xff;
    /** Bits per byte. */
    private static final int BITS_PER_BYTE = 8;
    /** Bits of a dword, to place the upper half of a 64-bit BAR's mask. */
    private static final int DWORD_BITS = 32;

    private final int size;
    private final byte[] data;
    private final byte[] wmask;
    private final byte[] w1cmask;
    private final BarSpec[] bars = new BarSpec[RegionInfo.ROM_INDEX + 1];
    private BarSpec[] vfBars;
    private int nextCap = PCI_STD_HEADER_SIZEOF;
    private int lastCap;
    private int nextExtCap = ConfigSpace.PCI_EXT_CAP_START;
    private int lastExtCap;
    private boolean virtualFunction;

    /** @param size 256 or 4096 */
    ConfigSpaceBuilder(int size) {
        if (size != PCI_CFG_SPACE_SIZE && size != PCI_CFG_SPACE_EXP_SIZE) {
            throw new IllegalArgumentException("config space size " + size + " is not 256 or 4096");
        }
        this.size = size;
        this.data = new byte[size];
        this.wmask = new byte[size];
        this.w1cmask = new byte[size];
        mask16(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER
                | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
        w1c16(PCI_STATUS, PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT
                | PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT
                | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
        wmask[PCI_CACHE_LINE_SIZE] = (byte) BYTE;
        wmask[PCI_INTERRUPT_LINE] = (byte) BYTE;
        data[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
    }

    // ---- primitives for the capability layouts ------------------------------------------------

    /** @return the size, 256 or 4096 */
    int size() {
        return size;
    }

    void put8(int off, int v) {
        data[off] = (byte) v;
    }

    void put16(int off, int v) {
        data[off] = (byte) v;
        data[off + 1] = (byte) (v >>> BITS_PER_BYTE);
    }

    void put32(int off, int v) {
        put16(off, v);
        put16(off + Short.BYTES, v >>> (2 * BITS_PER_BYTE));
    }

    /** Makes the bits of {@code m} read-write in the 16 bits at {@code off}, the rest read-only. */
    void mask16(int off, int m) {
        wmask[off] = (byte) m;
        wmask[off + 1] = (byte) (m >>> BITS_PER_BYTE);
    }

    /** Makes the bits of {@code m} read-write in the 32 bits at {@code off}, the rest read-only. */
    void mask32(int off, int m) {
        mask16(off, m);
        mask16(off + Short.BYTES, m >>> (2 * BITS_PER_BYTE));
    }

    /** Makes the bits of {@code m} write-1-to-clear in the 16 bits at {@code off}. */
    void w1c16(int off, int m) {
        w1cmask[off] = (byte) m;
        w1cmask[off + 1] = (byte) (m >>> BITS_PER_BYTE);
    }

    /**
     * Appends a capability to the list (dword aligned, below 0x100).
     *
     * @return its offset
     * @throws IllegalStateException if it does not fit
     */
    int addCap(int id, int capSize) {
        int off = nextCap;
        if (off + capSize > PCI_CFG_SPACE_SIZE) {
            throw new IllegalStateException("capability 0x" + Integer.toHexString(id) + " does not fit below 0x100");
        }
        data[off + PCI_CAP_LIST_ID] = (byte) id;
        if (lastCap == 0) {
            data[PCI_CAPABILITY_LIST] = (byte) off;
            put16(PCI_STATUS, (data[PCI_STATUS] & BYTE) | PCI_STATUS_CAP_LIST);
        } else {
            data[lastCap + PCI_CAP_LIST_NEXT] = (byte) off;
        }
        lastCap = off;
        nextCap = align(off + capSize);
        return off;
    }

    /**
     * Appends an extended capability to the list (the first one at 0x100).
     *
     * @return its offset
     * @throws IllegalStateException in a 256-byte config space, or if it does not fit
     */
    int addExtCap(int id, int version, int capSize) {
        if (size != PCI_CFG_SPACE_EXP_SIZE) {
            throw new IllegalStateException("extended capabilities need a 4096-byte config space");
        }
        int off = nextExtCap;
        if (off + capSize > size) {
            throw new IllegalStateException("extended capability 0x" + Integer.toHexString(id) + " does not fit");
        }
        put32(off, id | version << PCI_EXT_CAP_VER_SHIFT);
        if (lastExtCap != 0) {
            int header = get32(lastExtCap);
            put32(lastExtCap, header | off << PCI_EXT_CAP_NEXT_SHIFT);
        }
        lastExtCap = off;
        nextExtCap = align(off + capSize);
        return off;
    }

    private static int align(int off) {
        return (off + ConfigSpace.DWORD - 1) & -ConfigSpace.DWORD;
    }

    private int get32(int off) {
        int v = 0;
        for (int i = Integer.BYTES - 1; i >= 0; i--) {
            v = v << BITS_PER_BYTE | (data[off + i] & BYTE);
        }
        return v;
    }

    /** Writes the registers of a BAR: type bits read-only, address bits above the size writable. */
    void barRegisters(int off, BarSpec bar) {
        long sizeMask = bar.sizeMask();
        put32(off, bar.typeBits());
        mask32(off, (int) sizeMask);
        if (bar.kind() == BarSpec.Kind.MEM64) {
            mask32(off + ConfigSpace.DWORD, (int) (sizeMask >>> DWORD_BITS));
        }
    }

    /** Records the VF BARs of the SR-IOV capability. */
    void vfBars(BarSpec[] specs) {
        this.vfBars = specs.clone();
    }

    /** @return the BAR at index (6: the ROM), or null: for layouts that live in a BAR */
    BarSpec bar(int index) {
        return bars[index];
    }

    /** @return whether this is a VF's config space (its BARs are the PF's VF BARs) */
    boolean isVirtualFunction() {
        return virtualFunction;
    }

    // ---- the header ---------------------------------------------------------------------------

    /** Vendor ID. */
    ConfigSpaceBuilder vendor(int id) {
        put16(PCI_VENDOR_ID, id);
        return this;
    }

    /** Device ID. */
    ConfigSpaceBuilder device(int id) {
        put16(PCI_DEVICE_ID, id);
        return this;
    }

    /** Revision ID. */
    ConfigSpaceBuilder revision(int rev) {
        put8(PCI_REVISION_ID, rev);
        return this;
    }

    /** 24-bit class code: base class, subclass, programming interface. */
    ConfigSpaceBuilder classCode(int classCode) {
        put8(PCI_CLASS_PROG, classCode);
        put16(PCI_CLASS_PROG + 1, classCode >>> BITS_PER_BYTE);
        return this;
    }

    /** Subsystem vendor and subsystem ID. */
    ConfigSpaceBuilder subsystem(int vendor, int id) {
        put16(PCI_SUBSYSTEM_VENDOR_ID, vendor);
        put16(PCI_SUBSYSTEM_ID, id);
        return this;
    }

    /** Interrupt pin: 0 none, {@link org.nova.hw.pci.PciRegs#PCI_INTERRUPT_PIN_INTA} for INTA#. */
    ConfigSpaceBuilder interruptPin(int pin) {
        put8(PCI_INTERRUPT_PIN, pin);
        return this;
    }

    /** A BAR: type bits read-only, address bits above the size writable. */
    ConfigSpaceBuilder bar(BarSpec bar) {
        if (bar.kind() == BarSpec.Kind.ROM) {
            return rom(bar.size());
        }
        int i = bar.index();
        if (bars[i] != null || (bar.kind() == BarSpec.Kind.MEM64 && bars[i + 1] != null)
                || (i > 0 && bars[i - 1] != null && bars[i - 1].kind() == BarSpec.Kind.MEM64)) {
            throw new IllegalArgumentException("BAR" + i + " overlaps another BAR");
        }
        bars[i] = bar;
        barRegisters(ConfigSpace.barOffset(i), bar);
        return this;
    }

    /** An expansion ROM of the given size (enable bit writable). */
    ConfigSpaceBuilder rom(long romSize) {
        BarSpec rom = BarSpec.rom(romSize);
        bars[RegionInfo.ROM_INDEX] = rom;
        mask32(PCI_ROM_ADDRESS, (int) rom.sizeMask() | PCI_ROM_ADDRESS_ENABLE);
        return this;
    }

    // ---- capabilities ---------------------------------------------------------------------------

    /** Power management capability, PM 1.2, D0 and D3hot only, no PME, no soft reset. */
    ConfigSpaceBuilder powerManagement() {
        int cap = addCap(PCI_CAP_ID_PM, PCI_PM_SIZEOF);
        put16(cap + PCI_PM_PMC, PCI_PM_CAP_VER_1_2);
        put16(cap + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
        mask16(cap + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
        return this;
    }

    /** An MSI capability ({@link MsiCapability#add}). */
    ConfigSpaceBuilder msi(int vectors, boolean addr64, boolean perVectorMask) {
        MsiCapability.add(this, vectors, addr64, perVectorMask);
        return this;
    }

    /** An MSI-X capability ({@link MsixCapability#add}); its table and PBA BARs must be declared too. */
    ConfigSpaceBuilder msix(int tableSize, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {
        MsixCapability.add(this, tableSize, tableBar, tableOffset, pbaBar, pbaOffset);
        return this;
    }

    /** A PCI Express capability ({@link ExpressCapability#add}). */
    ConfigSpaceBuilder express(boolean flr) {
        ExpressCapability.add(this, flr);
        return this;
    }

    /** An SR-IOV extended capability ({@link SriovState#add}). */
    ConfigSpaceBuilder sriov(SriovSpec spec) {
        SriovState.add(this, spec);
        return this;
    }

    /**
     * Makes this the config space of an SR-IOV virtual function: Vendor and Device ID read
     * FFFFh, BARs and the interrupt pin are read-only zero, and only bus mastering is
     * writable in the command register (PCI SR-IOV spec 1.1, 3.4.1).
     */
    ConfigSpaceBuilder virtualFunction() {
        virtualFunction = true;
        put16(PCI_VENDOR_ID, PCI_ID_ABSENT);
        put16(PCI_DEVICE_ID, PCI_ID_ABSENT);
        mask16(PCI_COMMAND, PCI_COMMAND_MASTER);
        put8(PCI_INTERRUPT_PIN, 0);
        Arrays.fill(bars, null);
        Arrays.fill(wmask, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_0 + RegionInfo.BAR_COUNT * ConfigSpace.DWORD, (byte) 0);
        Arrays.fill(data, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_0 + RegionInfo.BAR_COUNT * ConfigSpace.DWORD, (byte) 0);
        return this;
    }

    /**
     * @return the config space, defaults captured
     * @throws IllegalStateException if the MSI-X structures do not fit in their BARs
     */
    ConfigSpace build() {
        ConfigSpace c = new ConfigSpace(data.clone(), wmask.clone(), w1cmask.clone(), bars, vfBars, virtualFunction);
        if (!virtualFunction && c.msixCap() != 0) {
            MsixCapability.checkStructuresFit(c);
        }
        return c;
    }
}
