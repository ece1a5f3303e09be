package org.nova.hw.sim;

import static org.nova.hw.pci.PciRegs.*;

import java.util.Arrays;
import org.nova.hw.HwException;
import org.nova.hw.RegionInfo;

/**
 * The config space of one simulated function as a register file: contents plus per-byte write
 * masks, the way QEMU models it (hw/pci/pci.c pci_default_write_config: {@code wmask} bits are
 * read-write, {@code w1cmask} bits are write-1-to-clear, everything else is read-only), the BAR
 * registers firmware programs, and the capability lists, walked as drivers/pci/pci.c walks them.
 *
 * <p>Built by {@link ConfigSpaceBuilder}. The side effects of software writes (interrupt
 * capabilities, FLR, SR-IOV) belong to the owning {@link SimulatedFunction} and its capability
 * models, which read and update the registers here.
 *
 * <p>Not thread safe: the owning {@link SimulatedFunction} serializes access with its lock.
 */
final class ConfigSpace {
    /** Byte mask. */
    private static final int BYTE = 0xff;
    /** Bits per byte. */
    private static final int BITS_PER_BYTE = 8;
    /** Dword size: capabilities start on dword boundaries (PCI Local Bus Spec 3.0, 6.7). */
    static final int DWORD = 4;
    /** Loop bound of a capability walk (drivers/pci/pci.c PCI_FIND_CAP_TTL). */
    private static final int PCI_FIND_CAP_TTL = 48;
    /** Extended capabilities start after the conventional space (PCIe Base Spec 7.6). */
    static final int PCI_EXT_CAP_START = PCI_CFG_SPACE_SIZE;
    /** Smallest extended capability header (one dword), bounding the extended walk. */
    private static final int PCI_EXT_CAP_MIN_SIZE = 8;
    /** Bits of a dword, to place the upper half of a 64-bit BAR. */
    private static final int DWORD_BITS = 32;

    /**
     * A software config write: through the masks, with the side effects the function gives it
     * (what a driver's pci_write_config_* does). Capability models program themselves with it.
     */
    @FunctionalInterface
    interface Writer {
        /** Writes {@code width} bytes of {@code value} at {@code offset}. */
        void write(int offset, int width, int value);
    }

    private final int size;
    private final byte[] data;
    private final byte[] wmask;
    private final byte[] w1cmask;
    private final byte[] defaults;
    private final BarSpec[] bars;
    private final BarSpec[] vfBars;
    private final boolean virtualFunction;
    private final int msiCap;
    private final int msixCap;
    private final int expCap;
    private final int sriovCap;

    /**
     * @param data the power-on contents, taken over
     * @param wmask the read-write bits, taken over
     * @param w1cmask the write-1-to-clear bits, taken over
     * @param bars the BARs and the ROM (index 6), null where none
     * @param vfBars the VF BARs of the SR-IOV capability, or null
     * @param virtualFunction whether this is an SR-IOV VF's config space
     */
    ConfigSpace(byte[] data, byte[] wmask, byte[] w1cmask, BarSpec[] bars, BarSpec[] vfBars, boolean virtualFunction) {
        this.size = data.length;
        this.data = data;
        this.wmask = wmask;
        this.w1cmask = w1cmask;
        this.defaults = data.clone();
        this.bars = bars.clone();
        this.vfBars = vfBars == null ? null : vfBars.clone();
        this.virtualFunction = virtualFunction;
        this.msiCap = findCapability(PCI_CAP_ID_MSI);
        this.msixCap = findCapability(PCI_CAP_ID_MSIX);
        this.expCap = findCapability(PCI_CAP_ID_EXP);
        this.sriovCap = findExtCapability(PCI_EXT_CAP_ID_SRIOV);
    }

    /** @return a builder of a config space of the given size (256 or 4096) */
    static ConfigSpaceBuilder builder(int size) {
        return new ConfigSpaceBuilder(size);
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

    /** @return the command register */
    int command() {
        return get16(PCI_COMMAND);
    }

    /** @return whether Bus Master Enable is set: the function may issue DMA and MSI writes */
    boolean busMaster() {
        return (command() & PCI_COMMAND_MASTER) != 0;
    }

    // ---- software access (masks) ---------------------------------------------------------------

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

    // ---- reset and straps -----------------------------------------------------------------------

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
            System.arraycopy(keep, PCI_ROM_ADDRESS, data, PCI_ROM_ADDRESS, DWORD);
            set32(PCI_ROM_ADDRESS, get32(PCI_ROM_ADDRESS) & ~PCI_ROM_ADDRESS_ENABLE);
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
        System.arraycopy(data, PCI_SUBSYSTEM_VENDOR_ID, defaults, PCI_SUBSYSTEM_VENDOR_ID, 2 * Short.BYTES);
    }

    /** @return a copy of the current contents, for tests and diagnostics */
    byte[] snapshot() {
        return Arrays.copyOf(data, size);
    }
}
