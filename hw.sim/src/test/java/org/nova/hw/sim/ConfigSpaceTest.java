package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.SimTestSupport.assertHw;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;

class ConfigSpaceTest {
    private SimulatedHostBridge bridge;
    private PciFunction pf;
    private PciFunction edu;

    @BeforeEach
    void setUp() {
        bridge = new SimulatedHostBridge("t0", 0);
        pf = bridge.plug(PciAddress.parse("00:04.0"), new TestPfDevice());
        edu = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
    }

    @AfterEach
    void tearDown() {
        bridge.close();
    }

    @Test
    void headerIdentifiesTheDevice() {
        assertEquals(0x1234, edu.readConfig(PCI_VENDOR_ID, 2));
        assertEquals(0x11e8, edu.readConfig(PCI_DEVICE_ID, 2));
        assertEquals(0x10, edu.readConfig(PCI_REVISION_ID, 1));
        assertEquals(0x00ff0010, edu.readConfig(PCI_REVISION_ID, 4), "class 00ff00, revision 0x10");
        assertEquals(0x1af4, edu.readConfig(PCI_SUBSYSTEM_VENDOR_ID, 2));
        assertEquals(0x1100, edu.readConfig(PCI_SUBSYSTEM_ID, 2));
        assertEquals(1, edu.readConfig(PCI_INTERRUPT_PIN, 1));
        assertEquals(256, edu.configSize());
        assertEquals(4096, pf.configSize());
        assertEquals(0x11e81234, edu.readConfig(PCI_VENDOR_ID, 4), "little-endian dword");
    }

    @Test
    void readOnlyFieldsIgnoreWrites() {
        byte[] before = ((SimulatedFunction) pf).config().snapshot();
        pf.writeConfig(PCI_VENDOR_ID, 4, 0xdeadbeef);
        pf.writeConfig(PCI_REVISION_ID, 4, 0xffffffff);
        pf.writeConfig(PCI_HEADER_TYPE, 1, 0x7f);
        pf.writeConfig(PCI_SUBSYSTEM_VENDOR_ID, 4, 0);
        pf.writeConfig(PCI_CAPABILITY_LIST, 1, 0x80);
        pf.writeConfig(PCI_INTERRUPT_PIN, 1, 4);
        byte[] after = ((SimulatedFunction) pf).config().snapshot();
        assertArrayEquals(before, after);
    }

    @Test
    void commandRegisterWritableBitsOnly() {
        pf.writeConfig(PCI_COMMAND, 2, 0xffff);
        assertEquals(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR
                | PCI_COMMAND_INTX_DISABLE, pf.readConfig(PCI_COMMAND, 2));
        pf.writeConfig(PCI_COMMAND, 2, 0);
        assertEquals(0, pf.readConfig(PCI_COMMAND, 2));
        pf.writeConfig(PCI_INTERRUPT_LINE, 1, 0x5a);
        assertEquals(0x5a, pf.readConfig(PCI_INTERRUPT_LINE, 1));
    }

    @Test
    void statusErrorBitsAreWriteOneToClear() {
        SimulatedFunction f = (SimulatedFunction) pf;
        f.lock().lock();
        try {
            f.config().set16(PCI_STATUS, f.config().get16(PCI_STATUS) | PCI_STATUS_REC_MASTER_ABORT
                    | PCI_STATUS_DETECTED_PARITY);
        } finally {
            f.lock().unlock();
        }
        int status = pf.readConfig(PCI_STATUS, 2);
        assertEquals(PCI_STATUS_CAP_LIST | PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_DETECTED_PARITY, status);
        pf.writeConfig(PCI_STATUS, 2, 0);
        assertEquals(status, pf.readConfig(PCI_STATUS, 2), "writing 0 clears nothing");
        pf.writeConfig(PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST);
        assertEquals(PCI_STATUS_CAP_LIST | PCI_STATUS_DETECTED_PARITY, pf.readConfig(PCI_STATUS, 2),
                "the written 1 clears its bit; CAP_LIST is read-only");
        pf.writeConfig(PCI_STATUS, 2, 0xffff);
        assertEquals(PCI_STATUS_CAP_LIST, pf.readConfig(PCI_STATUS, 2));
    }

    @Test
    void barSizingReadsBackTheSizeMask() {
        int bar0 = PCI_BASE_ADDRESS_0;
        int assigned = pf.readConfig(bar0, 4);
        assertNotEquals(0, assigned & PCI_BASE_ADDRESS_MEM_MASK, "firmware assigned an address");
        assertEquals(0, assigned & ~PCI_BASE_ADDRESS_MEM_MASK, "32-bit, non-prefetchable memory BAR");
        assertEquals(0, assigned % TestPfDevice.RAM_BAR_SIZE, "naturally aligned");
        pf.writeConfig(bar0, 4, 0xffffffff);
        assertEquals((int) -TestPfDevice.RAM_BAR_SIZE, pf.readConfig(bar0, 4));
        pf.writeConfig(bar0, 4, assigned);
        assertEquals(assigned, pf.readConfig(bar0, 4));

        // 64-bit BAR2/3: type bits read-only, size mask across both dwords.
        int bar2 = PCI_BASE_ADDRESS_0 + 8;
        assertEquals(PCI_BASE_ADDRESS_MEM_TYPE_64, pf.readConfig(bar2, 4) & ~PCI_BASE_ADDRESS_MEM_MASK);
        pf.writeConfig(bar2, 4, 0xffffffff);
        pf.writeConfig(bar2 + 4, 4, 0xffffffff);
        assertEquals((int) -TestPfDevice.MSIX_BAR_SIZE | PCI_BASE_ADDRESS_MEM_TYPE_64, pf.readConfig(bar2, 4));
        assertEquals(0xffffffff, pf.readConfig(bar2 + 4, 4));

        // I/O BAR4.
        int bar4 = PCI_BASE_ADDRESS_0 + 16;
        assertEquals(PCI_BASE_ADDRESS_SPACE_IO, pf.readConfig(bar4, 4) & ~PCI_BASE_ADDRESS_IO_MASK);
        pf.writeConfig(bar4, 4, 0xffffffff);
        assertEquals((int) -TestPfDevice.IO_BAR_SIZE | PCI_BASE_ADDRESS_SPACE_IO, pf.readConfig(bar4, 4));

        // Unimplemented BAR reads zero and ignores writes; ROM sizing keeps the enable bit writable.
        pf.writeConfig(PCI_BASE_ADDRESS_0 + 4, 4, 0xffffffff);
        assertEquals(0, pf.readConfig(PCI_BASE_ADDRESS_0 + 4, 4));
        pf.writeConfig(PCI_ROM_ADDRESS, 4, 0xffffffff);
        assertEquals((int) -TestPfDevice.ROM_SIZE | PCI_ROM_ADDRESS_ENABLE, pf.readConfig(PCI_ROM_ADDRESS, 4));
        // edu: 1 MiB BAR0.
        edu.writeConfig(PCI_BASE_ADDRESS_0, 4, 0xffffffff);
        assertEquals(0xfff00000, edu.readConfig(PCI_BASE_ADDRESS_0, 4));
    }

    /** The kernel's walk (drivers/pci/pci.c __pci_find_next_cap_ttl) through the public API. */
    private static Map<Integer, Integer> walkCapabilities(PciFunction f) {
        Map<Integer, Integer> found = new LinkedHashMap<>();
        if ((f.readConfig(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST) == 0) {
            return found;
        }
        int pos = f.readConfig(PCI_CAPABILITY_LIST, 1);
        for (int ttl = 48; ttl > 0 && pos >= 0x40; ttl--) {
            pos &= ~3;
            int id = f.readConfig(pos, 1);
            if (id == 0xff) {
                break;
            }
            found.put(id, pos);
            pos = f.readConfig(pos + 1, 1);
        }
        return found;
    }

    private static Map<Integer, Integer> walkExtCapabilities(PciFunction f) {
        Map<Integer, Integer> found = new LinkedHashMap<>();
        if (f.configSize() <= 256) {
            return found;
        }
        int pos = 0x100;
        for (int ttl = (4096 - 256) / 8; ttl > 0 && pos >= 0x100; ttl--) {
            int header = f.readConfig(pos, 4);
            if (header == 0) {
                break;
            }
            found.put(header & 0xffff, pos);
            pos = (header >>> 20) & 0xffc;
        }
        return found;
    }

    @Test
    void capabilityWalkFindsEachCapability() {
        Map<Integer, Integer> caps = walkCapabilities(pf);
        assertEquals(List.of(PCI_CAP_ID_PM, PCI_CAP_ID_MSI, PCI_CAP_ID_MSIX, PCI_CAP_ID_EXP),
                List.copyOf(caps.keySet()));
        assertEquals(0x40, caps.get(PCI_CAP_ID_PM));
        int msi = caps.get(PCI_CAP_ID_MSI);
        assertEquals(0x48, msi);
        int msiFlags = pf.readConfig(msi + PCI_MSI_FLAGS, 2);
        assertEquals(2 << 1 | PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT, msiFlags, "4 vectors, 64-bit, maskable");
        int msix = caps.get(PCI_CAP_ID_MSIX);
        assertEquals(TestPfDevice.MSIX_VECTORS - 1, pf.readConfig(msix + PCI_MSIX_FLAGS, 2));
        assertEquals(TestPfDevice.MSIX_TABLE_OFFSET | 2, pf.readConfig(msix + PCI_MSIX_TABLE, 4));
        assertEquals(TestPfDevice.MSIX_PBA_OFFSET | 2, pf.readConfig(msix + PCI_MSIX_PBA, 4));
        int exp = caps.get(PCI_CAP_ID_EXP);
        assertEquals(PCI_EXP_DEVCAP_FLR, pf.readConfig(exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
        Map<Integer, Integer> ext = walkExtCapabilities(pf);
        assertEquals(Map.of(PCI_EXT_CAP_ID_SRIOV, 0x100), ext);
        assertEquals(TestPfDevice.TOTAL_VFS, pf.readConfig(0x100 + PCI_SRIOV_TOTAL_VF, 2));
        assertEquals(TestPfDevice.FIRST_VF_OFFSET, pf.readConfig(0x100 + PCI_SRIOV_VF_OFFSET, 2));
        assertEquals(TestPfDevice.VF_STRIDE, pf.readConfig(0x100 + PCI_SRIOV_VF_STRIDE, 2));
        assertEquals(TestPfDevice.VF_DEVICE, pf.readConfig(0x100 + PCI_SRIOV_VF_DID, 2));

        // edu: only MSI, at the first free offset, like QEMU's msi_init(pdev, 0, 1, true, false).
        Map<Integer, Integer> eduCaps = walkCapabilities(edu);
        assertEquals(Map.of(PCI_CAP_ID_MSI, 0x40), eduCaps);
        assertEquals(PCI_MSI_FLAGS_64BIT, edu.readConfig(0x40 + PCI_MSI_FLAGS, 2), "1 vector, 64-bit, no masking");
        // pci-testdev has none.
        PciFunction testdev = bridge.plug(PciAddress.parse("00:02.0"), new PciTestDevice());
        assertEquals(0, testdev.readConfig(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
        assertTrue(walkCapabilities(testdev).isEmpty());
    }

    @Test
    void msiCapabilityMasksFollowQemu() {
        int msi = 0x40;
        edu.writeConfig(msi + PCI_MSI_FLAGS, 2, 0xffff);
        // QSIZE clamps to the capable 1 vector (msi_write_config), enable set, 64BIT read-only.
        assertEquals(PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE, edu.readConfig(msi + PCI_MSI_FLAGS, 2));
        edu.writeConfig(msi + PCI_MSI_ADDRESS_LO, 4, 0xffffffff);
        assertEquals(0xfffffffc, edu.readConfig(msi + PCI_MSI_ADDRESS_LO, 4), "low two bits reserved");
        edu.writeConfig(msi + PCI_MSI_DATA_64, 4, 0xffffffff);
        assertEquals(0xffff, edu.readConfig(msi + PCI_MSI_DATA_64, 4), "16-bit data");
    }

    @Test
    void badConfigAccessesFailAndChangeNothing() {
        byte[] before = ((SimulatedFunction) edu).config().snapshot();
        HwException e = assertHw(HwException.ERANGE, () -> edu.readConfig(256, 1));
        assertTrue(e.getMessage().contains("0000:00:03.0"), e.getMessage());
        assertHw(HwException.ERANGE, () -> edu.writeConfig(254, 4, -1));
        assertHw(HwException.ERANGE, () -> edu.writeConfig(-4, 4, -1));
        assertHw(HwException.ERANGE, () -> pf.readConfig(4096, 4));
        assertHw(HwException.EINVAL, () -> edu.writeConfig(PCI_COMMAND + 1, 2, -1));
        assertHw(HwException.EINVAL, () -> edu.writeConfig(PCI_COMMAND + 2, 4, -1));
        assertHw(HwException.EINVAL, () -> edu.readConfig(0x41, 4));
        assertHw(HwException.EINVAL, () -> edu.writeConfig(PCI_COMMAND, 3, -1));
        assertHw(HwException.EINVAL, () -> edu.writeConfig(PCI_COMMAND, 8, -1));
        assertHw(HwException.EINVAL, () -> edu.readConfig(0, 0));
        assertArrayEquals(before, ((SimulatedFunction) edu).config().snapshot());
        assertEquals(0, pf.readConfig(4095, 1), "last byte of the extended space is readable");
    }

    @Test
    void builderRejectsInconsistentLayouts() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BarSpec.mem32(0, 3000));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BarSpec.io(1, 512));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> BarSpec.mem64(5, 4096, true));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ConfigSpace.builder(256).bar(BarSpec.mem64(0, 4096, false)).bar(BarSpec.mem32(1, 4096)));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ConfigSpace.builder(256).sriov(new SriovSpec(1, 1, 1, 1, List.of())));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> ConfigSpace.builder(256).bar(BarSpec.mem32(0, 4096)).msix(64, 0, 0, 0, 0x1000).build());
    }
}
