package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nova.hw.pci.PciRegs;

/** pci_find_capability and pci_find_ext_capability over a byte array. */
class ConfigWalkTest {
    /** Config space as bytes, with the walk's reader. */
    static final class Cfg implements ConfigWalk.Reader {
        final byte[] b;

        Cfg(int size) {
            b = new byte[size];
        }

        Cfg put(int off, int width, int v) {
            for (int i = 0; i < width; i++) {
                b[off + i] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        Cfg cap(int at, int id, int next) {
            return put(at, 1, id).put(at + 1, 1, next);
        }

        Cfg ext(int at, int id, int version, int next) {
            return put(at, 4, id | version << 16 | next << 20);
        }

        @Override
        public int read(int off, int width) {
            int v = 0;
            for (int i = 0; i < width; i++) {
                v |= (b[off + i] & 0xff) << (8 * i);
            }
            return v;
        }

        @Override
        public int size() {
            return b.length;
        }
    }

    static Cfg withList() {
        return new Cfg(256).put(PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST).put(PciRegs.PCI_CAPABILITY_LIST, 1, 0x40)
                .cap(0x40, PciRegs.PCI_CAP_ID_PM, 0x50).cap(0x50, PciRegs.PCI_CAP_ID_MSI, 0x70)
                .cap(0x70, PciRegs.PCI_CAP_ID_EXP, 0);
    }

    @Test
    void findsEachCapability() {
        Cfg c = withList();
        assertEquals(0x40, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_PM));
        assertEquals(0x50, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_MSI));
        assertEquals(0x70, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_EXP));
        assertEquals(0, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_MSIX));
    }

    @Test
    void noListWithoutTheStatusBit() {
        Cfg c = withList().put(PciRegs.PCI_STATUS, 2, 0);
        assertEquals(0, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_PM));
    }

    @Test
    void lowPointerBitsAreIgnoredAndPointersBelowTheHeaderEndTheWalk() {
        Cfg c = withList().cap(0x40, PciRegs.PCI_CAP_ID_PM, 0x53);
        assertEquals(0x50, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_MSI));
        c.cap(0x50, PciRegs.PCI_CAP_ID_MSI, 0x3c);
        assertEquals(0, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_EXP));
    }

    @Test
    void brokenChainEnds() {
        Cfg c = withList().cap(0x50, PciRegs.PCI_CAP_ID_BROKEN, 0x70);
        assertEquals(0, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_EXP));
    }

    @Test
    void loopIsBoundedByTheTtl() {
        Cfg c = withList().cap(0x70, PciRegs.PCI_CAP_ID_EXP, 0x40);
        assertEquals(0, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_MSIX), "terminates");
    }

    @Test
    void cardbusHeaderStartsElsewhere() {
        Cfg c = new Cfg(256).put(PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST)
                .put(PciRegs.PCI_HEADER_TYPE, 1, PciRegs.PCI_HEADER_TYPE_CARDBUS).put(PciRegs.PCI_CB_CAPABILITY_LIST, 1, 0x80)
                .cap(0x80, PciRegs.PCI_CAP_ID_PM, 0);
        assertEquals(0x80, ConfigWalk.findCapability(c, PciRegs.PCI_CAP_ID_PM));
    }

    @Test
    void extendedCapabilities() {
        Cfg c = new Cfg(4096).ext(0x100, PciRegs.PCI_EXT_CAP_ID_ERR, 2, 0x140).ext(0x140, PciRegs.PCI_EXT_CAP_ID_SRIOV, 1,
                0x180).ext(0x180, PciRegs.PCI_EXT_CAP_ID_ARI, 1, 0);
        assertEquals(0x100, ConfigWalk.findExtCapability(c, PciRegs.PCI_EXT_CAP_ID_ERR));
        assertEquals(0x140, ConfigWalk.findExtCapability(c, PciRegs.PCI_EXT_CAP_ID_SRIOV));
        assertEquals(0x180, ConfigWalk.findExtCapability(c, PciRegs.PCI_EXT_CAP_ID_ARI));
        assertEquals(0, ConfigWalk.findExtCapability(c, PciRegs.PCI_EXT_CAP_ID_ATS));
    }

    @Test
    void extendedWalkNeedsExtendedSpaceAndEndsOnLoopsOrZero() {
        assertEquals(0, ConfigWalk.findExtCapability(withList(), PciRegs.PCI_EXT_CAP_ID_ERR), "256-byte space");
        assertEquals(0, ConfigWalk.findExtCapability(new Cfg(4096), PciRegs.PCI_EXT_CAP_ID_NULL), "header 0: none");
        Cfg loop = new Cfg(4096).ext(0x100, PciRegs.PCI_EXT_CAP_ID_ERR, 1, 0x140).ext(0x140, PciRegs.PCI_EXT_CAP_ID_VC, 1,
                0x100);
        assertEquals(0, ConfigWalk.findExtCapability(loop, PciRegs.PCI_EXT_CAP_ID_SRIOV), "terminates");
    }
}
