package org.nova.hw.sim;

import org.nova.hw.pci.PciRegs;

import static org.nova.hw.pci.PciRegs.*;

import java.util.Arrays;
import java.util.List;
import org.nova.hw.HwException;
import org.nova.hw.RegionInfo;

/**
 * The config space of one simulated function: contents plus per-byte write masks, the way QEMU
 * models it (hw/pci/pci.c pci_default_write_config: {@code wmask} bits are read-write,
 * {@code w1cmask} bits are write-1-to-clear, everything else is read-only).
 *
 * <p>Built from named constants by {@link Builder}: a standard type-0 header, BARs whose write
 * mask makes size probing work (writing all ones reads back the size mask), and capability lists
 * linked through their next pointers so a kernel-style walk (drivers/pci/pci.c
 * __pci_find_next_cap_ttl, pci_find_ext_capability) finds each capability.
 *
 * <p>Not thread safe: the owning {@link SimulatedFunction} serializes access with its lock.
 */
final class ConfigSpace {

    /** Byte mask. */
    private static final int BYTE = 0xff;
    /** Bits per byte. */
    private static final int BITS_PER_BYTE = 8;
    /** Dword size: capabilities start on dword boundaries (PCI Local Bus Spec 3.0, 6.7). */
    private static final int DWORD = 4;
    /** Bytes of a 64-bit BAR pair. */
    private static final int QWORD = 8;
    /** Loop bound of a capability walk (drivers/pci/pci.c PCI_FIND_CAP_TTL). */
    private static final int PCI_FIND_CAP_TTL = 48;
    /** Extended capabilities start after the conventional space (PCIe Base Spec 7.6). */
    private static final int PCI_EXT_CAP_START = PCI_CFG_SPACE_SIZE;
    /** Smallest extended capability header (one dword), bounding the extended walk. */
    private static final int PCI_EXT_CAP_MIN_SIZE = 8;
    /** Size of the upper dword of a 64-bit BAR pair, as a shift. */
    private static final int DWORD_BITS = 32;
    /** Low 32 bits of a long. */
    private static final long LOW32 = 0xffff_ffffL;
    /** Max_Read_Request_Size 512 bytes, the reset default (pci_regs.h PCI_EXP_DEVCTL_READRQ_512B; PCIe Base Spec 7.5.3.4). */
    private static final int PCI_EXP_DEVCTL_READRQ_512B = 0x2000;

    private final int size;
    private final byte[] data;
    private final byte[] wmask;
    private final byte[] w1cmask;
    private final byte[] defaults;
    private final BarSpec[] bars;
    private final BarSpec[] vfBars;
    private final int msiCap;
    private final int msixCap;
    private final int expCap;
    private final int sriovCap;
    private final boolean virtualFunction;

    private ConfigSpace(Builder b) {
        this.size = b.size;
        this.data = b.data;
        this.wmask = b.wmask;
        this.w1cmask = b.w1cmask;
        this.defaults = b.data.clone();
        this.bars = b.bars;
        this.vfBars = b.vfBars;
        this.msiCap = b.msiCap;
        this.msixCap = b.msixCap;
        this.expCap = b.expCap;
        this.sriovCap = b.sriovCap;
        this.virtualFunction = b.virtualFunction;
    }

    /** @return a builder of a config space of the given size (256 or 4096) */
    static Builder builder(int size) {
        return new Builder(size);
    }

    /** @return the size, 256 or 4096 */
    int size() {
        return size;
    }

    /**
     * Checks a config access the way the PCI access rules and VFIO do.
     *
     * @throws HwException EINVAL for a width other than 1, 2, 4 or a misaligned offset, ERANGE
     *                     for an access beyond the config space
     */
    static void checkAccess(String who, int size, int offset, int width) {
        if (width != Byte.BYTES && width != Short.BYTES && width != Integer.BYTES) {
            throw new HwException(HwException.EINVAL, who + ": config access width " + width
                    + " is not 1, 2 or 4");
        }
        if (offset < 0 || offset > size - width) {
            throw new HwException(HwException.ERANGE, who + ": config access of " + width
                    + " bytes at 0x" + Integer.toHexString(offset) + " is outside the " + size
                    + "-byte config space");
        }
        if (offset % width != 0) {
            throw new HwException(HwException.EINVAL, who + ": config access of " + width
                    + " bytes at 0x" + Integer.toHexString(offset) + " is not naturally aligned");
        }
    }

    // ---- raw device-side access (no masks) ---------------------------------------------------

    int get8(int off) {
        return data[off] & BYTE;
    }

    int get16(int off) {
        return get8(off) | get8(off + 1) << BITS_PER_BYTE;
    }

    int get32(int off) {
        return get16(off) | get16(off + Short.BYTES) << (2 * BITS_PER_BYTE);
    }

    void set8(int off, int value) {
        data[off] = (byte) value;
    }

    void set16(int off, int value) {
        set8(off, value);
        set8(off + 1, value >>> BITS_PER_BYTE);
    }

    void set32(int off, int value) {
        set16(off, value);
        set16(off + Short.BYTES, value >>> (2 * BITS_PER_BYTE));
    }

    /** Reads width bytes little-endian; the caller checked the access. */
    int read(int offset, int width) {
        return switch (width) {
            case Byte.BYTES -> get8(offset);
            case Short.BYTES -> get16(offset);
            default -> get32(offset);
        };
    }

    /**
     * Writes width bytes through the masks (QEMU hw/pci/pci.c pci_default_write_config); the
     * caller checked the access.
     */
    void write(int offset, int width, int value) {
        for (int i = 0; i < width; i++) {
            int b = (value >>> (i * BITS_PER_BYTE)) & BYTE;
            int at = offset + i;
            int wm = wmask[at] & BYTE;
            int w1c = w1cmask[at] & BYTE;
            int v = ((data[at] & BYTE) & ~wm) | (b & wm);
            data[at] = (byte) (v & ~(b & w1c));
        }
    }

    /** @return whether [offset, offset+width) overlaps [start, start+length) */
    static boolean overlaps(int offset, int width, int start, int length) {
        return offset < start + length && start < offset + width;
    }

    // ---- BARs -------------------------------------------------------------------------------

    /** @return the BAR (or ROM, index 6) spec at index, or null */
    BarSpec bar(int index) {
        return bars[index];
    }

    /** @return the VF BAR spec of the SR-IOV capability at index, or null */
    BarSpec vfBar(int index) {
        return vfBars == null ? null : vfBars[index];
    }

    /** @return the config offset of BAR register index (ROM for index 6) */
    static int barOffset(int index) {
        return index == RegionInfo.ROM_INDEX ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + index * DWORD;
    }

    /** @return the bus address programmed in BAR index (without the type bits) */
    long barAddress(int index) {
        return address(bars[index], barOffset(index));
    }

    /** @return the bus address programmed in VF BAR index of the SR-IOV capability */
    long vfBarAddress(int index) {
        return address(vfBars[index], sriovCap + PCI_SRIOV_BAR + index * DWORD);
    }

    private long address(BarSpec bar, int off) {
        int low = get32(off);
        return switch (bar.kind()) {
            case IO -> low & PCI_BASE_ADDRESS_IO_MASK & LOW32;
            case ROM -> low & PCI_ROM_ADDRESS_MASK & LOW32;
            case MEM32 -> low & PCI_BASE_ADDRESS_MEM_MASK & LOW32;
            case MEM64 -> ((long) get32(off + DWORD) << DWORD_BITS) | (low & PCI_BASE_ADDRESS_MEM_MASK & LOW32);
        };
    }

    /** Firmware: programs BAR index with address (keeping the type bits). */
    void assignBar(int index, long address) {
        program(bars[index], barOffset(index), address);
    }

    /** Firmware: programs VF BAR index of the SR-IOV capability with address. */
    void assignVfBar(int index, long address) {
        program(vfBars[index], sriovCap + PCI_SRIOV_BAR + index * DWORD, address);
    }

    private void program(BarSpec bar, int off, long address) {
        set32(off, (int) address | bar.typeBits());
        if (bar.kind() == BarSpec.Kind.MEM64) {
            set32(off + DWORD, (int) (address >>> DWORD_BITS));
        }
    }

    // ---- capabilities -----------------------------------------------------------------------

    /**
     * Walks the capability list like drivers/pci/pci.c __pci_find_next_cap_ttl.
     *
     * @return the offset of the first capability with that ID, or 0
     */
    int findCapability(int id) {
        if ((get16(PCI_STATUS) & PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int pos = get8(PCI_CAPABILITY_LIST);
        for (int ttl = PCI_FIND_CAP_TTL; ttl > 0 && pos >= PCI_STD_HEADER_SIZEOF; ttl--) {
            pos &= ~(DWORD - 1);
            int capId = get8(pos + PCI_CAP_LIST_ID);
            if (capId == BYTE) {
                return 0;
            }
            if (capId == id) {
                return pos;
            }
            pos = get8(pos + PCI_CAP_LIST_NEXT);
        }
        return 0;
    }

    /**
     * Walks the extended capability list like drivers/pci/pci.c pci_find_next_ext_capability.
     *
     * @return the offset of the first extended capability with that ID, or 0
     */
    int findExtCapability(int id) {
        if (size <= PCI_CFG_SPACE_SIZE) {
            return 0;
        }
        int pos = PCI_EXT_CAP_START;
        int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / PCI_EXT_CAP_MIN_SIZE;
        int header = get32(pos);
        if (header == 0) {
            return 0;
        }
        while (ttl-- > 0) {
            if ((header & PCI_EXT_CAP_ID_MASK) == id && pos != 0) {
                return pos;
            }
            pos = (header >>> PCI_EXT_CAP_NEXT_SHIFT) & PCI_EXT_CAP_NEXT_MASK;
            if (pos < PCI_EXT_CAP_START) {
                break;
            }
            header = get32(pos);
        }
        return 0;
    }

    /** @return the MSI capability offset, or 0 */
    int msiCap() {
        return msiCap;
    }

    /** @return the MSI-X capability offset, or 0 */
    int msixCap() {
        return msixCap;
    }

    /** @return the PCI Express capability offset, or 0 */
    int expCap() {
        return expCap;
    }

    /** @return the SR-IOV extended capability offset, or 0 */
    int sriovCap() {
        return sriovCap;
    }

    /** @return whether this is the config space of an SR-IOV virtual function */
    boolean isVirtualFunction() {
        return virtualFunction;
    }

    /**
     * Restores the power-on defaults, keeping what firmware assigned: the BAR registers, the ROM
     * base address (its enable bit is cleared), the interrupt line and the SR-IOV VF BARs.
     */
    void resetToDefaults() {
        byte[] keep = data.clone();
        System.arraycopy(defaults, 0, data, 0, size);
        int barsEnd = PCI_BASE_ADDRESS_0 + RegionInfo.BAR_COUNT * DWORD;
        System.arraycopy(keep, PCI_BASE_ADDRESS_0, data, PCI_BASE_ADDRESS_0, barsEnd - PCI_BASE_ADDRESS_0);
        if (bars[RegionInfo.ROM_INDEX] != null) {
            int rom = (keep[PCI_ROM_ADDRESS] & BYTE) | (keep[PCI_ROM_ADDRESS + 1] & BYTE) << BITS_PER_BYTE
                    | (keep[PCI_ROM_ADDRESS + 2] & BYTE) << (2 * BITS_PER_BYTE)
                    | (keep[PCI_ROM_ADDRESS + 3] & BYTE) << (3 * BITS_PER_BYTE);
            set32(PCI_ROM_ADDRESS, rom & ~PCI_ROM_ADDRESS_ENABLE);
        }
        data[PCI_INTERRUPT_LINE] = keep[PCI_INTERRUPT_LINE];
        if (sriovCap != 0) {
            int from = sriovCap + PCI_SRIOV_BAR;
            System.arraycopy(keep, from, data, from, PCI_SRIOV_NUM_BARS * DWORD);
        }
    }

    /**
     * Straps the subsystem IDs, as a board vendor does (QEMU's x-pci-sub-vendor-id and
     * x-pci-sub-device-id): both the current value and the power-on default change.
     */
    void strapSubsystem(int vendor, int id) {
        set16(PCI_SUBSYSTEM_VENDOR_ID, vendor);
        set16(PCI_SUBSYSTEM_ID, id);
        System.arraycopy(data, PCI_SUBSYSTEM_VENDOR_ID, defaults, PCI_SUBSYSTEM_VENDOR_ID, 2 * 2);
    }

    /** @return a copy of the current contents, for tests and diagnostics */
    byte[] snapshot() {
        return Arrays.copyOf(data, size);
    }

    // ---- builder ----------------------------------------------------------------------------

    /**
     * SR-IOV capability fields (PCI SR-IOV spec 1.1, 3.3).
     *
     * @param totalVfs      TotalVFs (InitialVFs equals it: VF migration is not modelled, PCI
     *                      SR-IOV spec 1.1, 3.3.6)
     * @param firstVfOffset First VF Offset (routing ID distance from the PF to VF 1)
     * @param vfStride      VF Stride (routing ID distance between VFs)
     * @param vfDeviceId    VF Device ID
     * @param vfBars        the per-VF BARs
     */
    record SriovSpec(int totalVfs, int firstVfOffset, int vfStride, int vfDeviceId, List<BarSpec> vfBars) {
        /** Validates the counts. */
        SriovSpec {
            if (totalVfs < 1 || totalVfs > PciRegs.PCI_ID_ABSENT || firstVfOffset < 1
                    || (vfStride < 1 && totalVfs > 1)) {
                throw new IllegalArgumentException("inconsistent SR-IOV capability: total " + totalVfs
                        + ", offset " + firstVfOffset + ", stride " + vfStride);
            }
            vfBars = List.copyOf(vfBars);
        }
    }

    /** Where the MSI-X table and PBA live, checked against the BARs at build time. */
    private record MsixLayout(int tableSize, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {
    }

    /** Builds a config space from named fields. Capabilities are linked in the order added. */
    static final class Builder {
        private final int size;
        private final byte[] data;
        private final byte[] wmask;
        private final byte[] w1cmask;
        private final BarSpec[] bars = new BarSpec[RegionInfo.ROM_INDEX + 1];
        private BarSpec[] vfBars;
        private int nextCap = PCI_STD_HEADER_SIZEOF;
        private int lastCap;
        private int nextExtCap = PCI_EXT_CAP_START;
        private int lastExtCap;
        private int msiCap;
        private int msixCap;
        private int expCap;
        private int sriovCap;
        private MsixLayout msixLayout;
        private boolean virtualFunction;

        private Builder(int size) {
            if (size != PCI_CFG_SPACE_SIZE && size != PCI_CFG_SPACE_EXP_SIZE) {
                throw new IllegalArgumentException("config space size " + size + " is not 256 or 4096");
            }
            this.size = size;
            this.data = new byte[size];
            this.wmask = new byte[size];
            this.w1cmask = new byte[size];
            // QEMU hw/pci/pci.c pci_init_wmask / pci_init_w1cmask for a type-0 header.
            mask16(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER
                    | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
            w1c16(PCI_STATUS, PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT
                    | PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT
                    | PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY);
            wmask[PCI_CACHE_LINE_SIZE] = (byte) BYTE;
            wmask[PCI_INTERRUPT_LINE] = (byte) BYTE;
            data[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
        }

        private void put16(int off, int v) {
            data[off] = (byte) v;
            data[off + 1] = (byte) (v >>> BITS_PER_BYTE);
        }

        private void put32(int off, int v) {
            put16(off, v);
            put16(off + Short.BYTES, v >>> (2 * BITS_PER_BYTE));
        }

        private void mask16(int off, int m) {
            wmask[off] = (byte) m;
            wmask[off + 1] = (byte) (m >>> BITS_PER_BYTE);
        }

        private void mask32(int off, int m) {
            mask16(off, m);
            mask16(off + Short.BYTES, m >>> (2 * BITS_PER_BYTE));
        }

        private void w1c16(int off, int m) {
            w1cmask[off] = (byte) m;
            w1cmask[off + 1] = (byte) (m >>> BITS_PER_BYTE);
        }

        /** Vendor ID. */
        Builder vendor(int id) {
            put16(PCI_VENDOR_ID, id);
            return this;
        }

        /** Device ID. */
        Builder device(int id) {
            put16(PCI_DEVICE_ID, id);
            return this;
        }

        /** Revision ID. */
        Builder revision(int rev) {
            data[PCI_REVISION_ID] = (byte) rev;
            return this;
        }

        /** 24-bit class code: base class, subclass, programming interface. */
        Builder classCode(int classCode) {
            data[PCI_CLASS_PROG] = (byte) classCode;
            put16(PCI_CLASS_PROG + 1, classCode >>> BITS_PER_BYTE);
            return this;
        }

        /** Subsystem vendor and subsystem ID. */
        Builder subsystem(int vendor, int id) {
            put16(PCI_SUBSYSTEM_VENDOR_ID, vendor);
            put16(PCI_SUBSYSTEM_ID, id);
            return this;
        }

        /** Interrupt pin: 0 none, {@link org.nova.hw.pci.PciRegs#PCI_INTERRUPT_PIN_INTA} for INTA#. */
        Builder interruptPin(int pin) {
            data[PCI_INTERRUPT_PIN] = (byte) pin;
            return this;
        }

        /** A BAR: type bits read-only, address bits above the size writable. */
        Builder bar(BarSpec bar) {
            if (bar.kind() == BarSpec.Kind.ROM) {
                return rom(bar.size());
            }
            int i = bar.index();
            if (bars[i] != null || (bar.kind() == BarSpec.Kind.MEM64 && bars[i + 1] != null)
                    || (i > 0 && bars[i - 1] != null && bars[i - 1].kind() == BarSpec.Kind.MEM64)) {
                throw new IllegalArgumentException("BAR" + i + " overlaps another BAR");
            }
            bars[i] = bar;
            barRegisters(barOffset(i), bar);
            return this;
        }

        private void barRegisters(int off, BarSpec bar) {
            long sizeMask = ~(bar.size() - 1);
            put32(off, bar.typeBits());
            mask32(off, (int) sizeMask);
            if (bar.kind() == BarSpec.Kind.MEM64) {
                mask32(off + DWORD, (int) (sizeMask >>> DWORD_BITS));
            }
        }

        /** An expansion ROM of the given size (enable bit writable). */
        Builder rom(long romSize) {
            BarSpec rom = BarSpec.rom(romSize);
            bars[RegionInfo.ROM_INDEX] = rom;
            mask32(PCI_ROM_ADDRESS, (int) ~(romSize - 1) | PCI_ROM_ADDRESS_ENABLE);
            return this;
        }

        private int addCap(int id, int capSize) {
            int off = nextCap;
            if (off + capSize > PCI_CFG_SPACE_SIZE) {
                throw new IllegalStateException("capability 0x" + Integer.toHexString(id)
                        + " does not fit below 0x100");
            }
            data[off + PCI_CAP_LIST_ID] = (byte) id;
            if (lastCap == 0) {
                data[PCI_CAPABILITY_LIST] = (byte) off;
                put16(PCI_STATUS, (data[PCI_STATUS] & BYTE) | PCI_STATUS_CAP_LIST);
            } else {
                data[lastCap + PCI_CAP_LIST_NEXT] = (byte) off;
            }
            lastCap = off;
            nextCap = (off + capSize + DWORD - 1) & ~(DWORD - 1);
            return off;
        }

        /** Power management capability, PM 1.2, D0 and D3hot only, no PME, no soft reset. */
        Builder powerManagement() {
            int cap = addCap(PCI_CAP_ID_PM, PCI_PM_SIZEOF);
            put16(cap + PCI_PM_PMC, PCI_PM_CAP_VER_1_2);
            put16(cap + PCI_PM_CTRL, PCI_PM_CTRL_NO_SOFT_RESET);
            mask16(cap + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK);
            return this;
        }

        /**
         * MSI capability with the masks of QEMU hw/pci/msi.c msi_init.
         *
         * @param vectors        1, 2, 4, 8, 16 or 32 (Multiple Message Capable)
         * @param addr64         64-bit message address capable
         * @param perVectorMask  per-vector masking capable
         */
        Builder msi(int vectors, boolean addr64, boolean perVectorMask) {
            if (Integer.bitCount(vectors) != 1 || vectors > PCI_MSI_VECTORS_MAX) {
                throw new IllegalArgumentException("MSI vectors " + vectors + " is not a power of two up to 32");
            }
            int flags = Integer.numberOfTrailingZeros(vectors) << PCI_MSI_FLAGS_QMASK_SHIFT;
            flags |= addr64 ? PCI_MSI_FLAGS_64BIT : 0;
            flags |= perVectorMask ? PCI_MSI_FLAGS_MASKBIT : 0;
            int capSize = addr64 ? (perVectorMask ? PCI_MSI_64M_SIZEOF : PCI_MSI_64_SIZEOF)
                    : (perVectorMask ? PCI_MSI_32M_SIZEOF : PCI_MSI_32_SIZEOF);
            int cap = addCap(PCI_CAP_ID_MSI, capSize);
            msiCap = cap;
            put16(cap + PCI_MSI_FLAGS, flags);
            mask16(cap + PCI_MSI_FLAGS, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
            mask32(cap + PCI_MSI_ADDRESS_LO, PCI_MSI_ADDRESS_LO_MASK);
            if (addr64) {
                mask32(cap + PCI_MSI_ADDRESS_HI, -1);
            }
            mask16(cap + (addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), PciRegs.PCI_ID_ABSENT);
            if (perVectorMask) {
                mask32(cap + (addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32),
                        (int) (LOW32 >>> (PCI_MSI_VECTORS_MAX - vectors)));
            }
            return this;
        }

        /**
         * MSI-X capability (masks as QEMU hw/pci/msix.c msix_init: enable and function mask are
         * writable). The table and PBA live in BARs that must be declared too.
         *
         * @param tableSize   vectors, 1..2048
         * @param tableBar    BAR holding the table
         * @param tableOffset offset of the table in that BAR, 8-byte aligned
         * @param pbaBar      BAR holding the pending bit array
         * @param pbaOffset   offset of the PBA in that BAR, 8-byte aligned
         */
        Builder msix(int tableSize, int tableBar, int tableOffset, int pbaBar, int pbaOffset) {
            if (tableSize < 1 || tableSize > PCI_MSIX_FLAGS_QSIZE + 1
                    || (tableOffset & PCI_MSIX_BIR) != 0 || (pbaOffset & PCI_MSIX_BIR) != 0) {
                throw new IllegalArgumentException("bad MSI-X layout: " + tableSize + " vectors, table at 0x"
                        + Integer.toHexString(tableOffset) + ", PBA at 0x" + Integer.toHexString(pbaOffset));
            }
            int cap = addCap(PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
            msixCap = cap;
            put16(cap + PCI_MSIX_FLAGS, tableSize - 1);
            mask16(cap + PCI_MSIX_FLAGS, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
            put32(cap + PCI_MSIX_TABLE, tableOffset | tableBar);
            put32(cap + PCI_MSIX_PBA, pbaOffset | pbaBar);
            msixLayout = new MsixLayout(tableSize, tableBar, tableOffset, pbaBar, pbaOffset);
            return this;
        }

        /** PCI Express capability v2 of an endpoint on a x1 2.5 GT/s link. */
        Builder express(boolean flr) {
            int cap = addCap(PCI_CAP_ID_EXP, PCI_CAP_EXP_ENDPOINT_SIZEOF_V2);
            expCap = cap;
            put16(cap + PCI_EXP_FLAGS, PCI_EXP_FLAGS_VERS_2 | PCI_EXP_TYPE_ENDPOINT << PCI_EXP_FLAGS_TYPE_SHIFT);
            put32(cap + PCI_EXP_DEVCAP, flr ? PCI_EXP_DEVCAP_FLR : 0);
            put16(cap + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN
                    | PCI_EXP_DEVCTL_READRQ_512B);
            mask16(cap + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE
                    | PCI_EXP_DEVCTL_URRE | PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_PAYLOAD
                    | PCI_EXP_DEVCTL_NOSNOOP_EN | PCI_EXP_DEVCTL_READRQ | (flr ? PCI_EXP_DEVCTL_BCR_FLR : 0));
            w1c16(cap + PCI_EXP_DEVSTA, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED
                    | PCI_EXP_DEVSTA_URD);
            put32(cap + PCI_EXP_LNKCAP, PCI_EXP_LNKCAP_SLS_2_5GB | PCI_EXP_LNKCAP_MLW_X1);
            put16(cap + PCI_EXP_LNKSTA, PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1);
            return this;
        }

        private int addExtCap(int id, int version, int capSize) {
            if (size != PCI_CFG_SPACE_EXP_SIZE) {
                throw new IllegalStateException("extended capabilities need a 4096-byte config space");
            }
            int off = nextExtCap;
            if (off + capSize > size) {
                throw new IllegalStateException("extended capability 0x" + Integer.toHexString(id) + " does not fit");
            }
            put32(off, id | version << PCI_EXT_CAP_VER_SHIFT);
            if (lastExtCap != 0) {
                int prev = (data[lastExtCap] & BYTE) | (data[lastExtCap + 1] & BYTE) << BITS_PER_BYTE
                        | (data[lastExtCap + 2] & BYTE) << (2 * BITS_PER_BYTE);
                put32(lastExtCap, prev | off << PCI_EXT_CAP_NEXT_SHIFT);
            }
            lastExtCap = off;
            nextExtCap = (off + capSize + DWORD - 1) & ~(DWORD - 1);
            return off;
        }

        /** SR-IOV extended capability (the first one is at 0x100). */
        Builder sriov(SriovSpec spec) {
            int cap = addExtCap(PCI_EXT_CAP_ID_SRIOV, PCI_SRIOV_CAP_VERSION, PCI_EXT_CAP_SRIOV_SIZEOF);
            sriovCap = cap;
            mask16(cap + PCI_SRIOV_CTRL, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE | PCI_SRIOV_CTRL_ARI);
            put16(cap + PCI_SRIOV_INITIAL_VF, spec.totalVfs());
            put16(cap + PCI_SRIOV_TOTAL_VF, spec.totalVfs());
            mask16(cap + PCI_SRIOV_NUM_VF, PciRegs.PCI_ID_ABSENT);
            put16(cap + PCI_SRIOV_VF_OFFSET, spec.firstVfOffset());
            put16(cap + PCI_SRIOV_VF_STRIDE, spec.vfStride());
            put16(cap + PCI_SRIOV_VF_DID, spec.vfDeviceId());
            put32(cap + PCI_SRIOV_SUP_PGSIZE, PCI_SRIOV_PGSIZE_4K);
            put32(cap + PCI_SRIOV_SYS_PGSIZE, PCI_SRIOV_PGSIZE_4K);
            mask32(cap + PCI_SRIOV_SYS_PGSIZE, PCI_SRIOV_PGSIZE_4K);
            vfBars = new BarSpec[PCI_SRIOV_NUM_BARS];
            for (BarSpec bar : spec.vfBars()) {
                if (bar.kind() == BarSpec.Kind.IO || bar.kind() == BarSpec.Kind.ROM) {
                    throw new IllegalArgumentException("VF BAR" + bar.index() + " must be a memory BAR");
                }
                vfBars[bar.index()] = bar;
                barRegisters(cap + PCI_SRIOV_BAR + bar.index() * DWORD, bar);
            }
            return this;
        }

        /**
         * Makes this the config space of an SR-IOV virtual function: Vendor and Device ID read
         * FFFFh, BARs and the interrupt pin are read-only zero, and only bus mastering is
         * writable in the command register (PCI SR-IOV spec 1.1, 3.4.1).
         */
        Builder virtualFunction() {
            virtualFunction = true;
            put16(PCI_VENDOR_ID, PciRegs.PCI_ID_ABSENT);
            put16(PCI_DEVICE_ID, PciRegs.PCI_ID_ABSENT);
            mask16(PCI_COMMAND, PCI_COMMAND_MASTER);
            data[PCI_INTERRUPT_PIN] = 0;
            Arrays.fill(bars, null);
            Arrays.fill(wmask, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_0 + RegionInfo.BAR_COUNT * DWORD, (byte) 0);
            Arrays.fill(data, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_0 + RegionInfo.BAR_COUNT * DWORD, (byte) 0);
            return this;
        }

        /** @return the config space, defaults captured */
        ConfigSpace build() {
            if (msixLayout != null) {
                checkMsixBar(msixLayout.tableBar(), msixLayout.tableOffset(),
                        (long) msixLayout.tableSize() * PCI_MSIX_ENTRY_SIZE);
                checkMsixBar(msixLayout.pbaBar(), msixLayout.pbaOffset(), pbaBytes(msixLayout.tableSize()));
            }
            return new ConfigSpace(this);
        }

        private void checkMsixBar(int bar, int offset, long length) {
            BarSpec spec = bar < RegionInfo.BAR_COUNT ? bars[bar] : null;
            if (!virtualFunction && (spec == null || spec.kind() == BarSpec.Kind.IO || offset + length > spec.size())) {
                throw new IllegalStateException("MSI-X structure at BAR" + bar + "+0x" + Integer.toHexString(offset)
                        + " does not fit in a memory BAR");
            }
        }
    }

    /** @return bytes of the pending bit array for tableSize vectors (one bit each, in qwords) */
    static long pbaBytes(int tableSize) {
        return (long) (tableSize + Long.SIZE - 1) / Long.SIZE * QWORD;
    }
}
