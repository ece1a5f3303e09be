package org.nova.bus.pci.internal;

import org.nova.hw.pci.PciRegs;

/**
 * The capability-list walks of drivers/pci/pci.c over any config space: {@code pci_find_capability}
 * ({@code __pci_bus_find_cap_start} + {@code __pci_find_next_cap_ttl}) and
 * {@code pci_find_ext_capability}. Both are loop-bounded like the kernel's, so a looping or
 * corrupt list ends the walk instead of hanging it.
 */
public final class ConfigWalk {
    /** Reads config space; the walks only do naturally aligned accesses within {@link #size()}. */
    @FunctionalInterface
    public interface Reader {
        /** @return the value of width bytes (1, 2 or 4) at offset */
        int read(int offset, int width);

        /** @return the config space size; 256 unless overridden */
        default int size() {
            return PciRegs.PCI_CFG_SPACE_SIZE;
        }
    }

    /** Bits of the next pointer in the capability's first word (the high byte). */
    private static final int NEXT_SHIFT = 8;

    private ConfigWalk() {
    }

    /**
     * {@code __pci_bus_find_cap_start}: where the capability pointer is, by header type, or 0 if
     * the status register says there is no list.
     */
    public static int capStart(Reader r) {
        int status = r.read(PciRegs.PCI_STATUS, PciDeviceImpl.WORD);
        if ((status & PciRegs.PCI_STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int type = r.read(PciRegs.PCI_HEADER_TYPE, PciDeviceImpl.BYTE) & PciRegs.PCI_HEADER_TYPE_MASK;
        return switch (type) {
            case PciRegs.PCI_HEADER_TYPE_NORMAL, PciRegs.PCI_HEADER_TYPE_BRIDGE -> PciRegs.PCI_CAPABILITY_LIST;
            case PciRegs.PCI_HEADER_TYPE_CARDBUS -> PciRegs.PCI_CB_CAPABILITY_LIST;
            default -> 0;
        };
    }

    /** @return the offset of capability {@code id}, 0 if absent (pci_find_capability) */
    public static int findCapability(Reader r, int id) {
        int start = capStart(r);
        if (start == 0) {
            return 0;
        }
        int pos = r.read(start, PciDeviceImpl.BYTE);
        for (int ttl = PciRegs.PCI_FIND_CAP_TTL; ttl > 0; ttl--) {
            if (pos < PciRegs.PCI_STD_HEADER_SIZEOF) {
                break;
            }
            pos &= PciRegs.PCI_CAP_POINTER_MASK;
            int ent = r.read(pos, PciDeviceImpl.WORD);
            int capId = ent & PciRegs.PCI_BYTE_MASK;
            if (capId == PciRegs.PCI_CAP_ID_BROKEN) {
                break;
            }
            if (capId == id) {
                return pos;
            }
            pos = ent >>> NEXT_SHIFT;
        }
        return 0;
    }

    /** @return the offset of extended capability {@code id}, 0 if absent (pci_find_ext_capability) */
    public static int findExtCapability(Reader r, int id) {
        if (r.size() <= PciRegs.PCI_CFG_SPACE_SIZE) {
            return 0;
        }
        int pos = PciRegs.PCI_CFG_SPACE_SIZE;
        int ttl = (PciRegs.PCI_CFG_SPACE_EXP_SIZE - PciRegs.PCI_CFG_SPACE_SIZE) / PciRegs.PCI_EXT_CAP_MIN_SIZE;
        int header = r.read(pos, PciDeviceImpl.DWORD);
        if (header == 0) {
            return 0;
        }
        while (ttl-- > 0) {
            if ((header & PciRegs.PCI_EXT_CAP_ID_MASK) == id) {
                return pos;
            }
            pos = (header >>> PciRegs.PCI_EXT_CAP_NEXT_SHIFT) & PciRegs.PCI_EXT_CAP_NEXT_MASK;
            if (pos < PciRegs.PCI_CFG_SPACE_SIZE) {
                break;
            }
            header = r.read(pos, PciDeviceImpl.DWORD);
        }
        return 0;
    }
}
