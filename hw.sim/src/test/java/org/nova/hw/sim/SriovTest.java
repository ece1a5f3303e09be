package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.*;
import static org.nova.hw.sim.SimTestSupport.assertHw;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;
import org.nova.hw.RegionInfo;
import org.nova.hw.SriovControl;
import org.nova.hw.pci.PciAddress;

class SriovTest {
    private static final int SRIOV = 0x100;

    private SimulatedHostBridge bridge;
    private PciFunction pf;
    private final SimTestSupport.Events events = new SimTestSupport.Events();

    @BeforeEach
    void setUp() {
        bridge = new SimulatedHostBridge("t0", 0);
        pf = bridge.plug(PciAddress.parse("00:04.0"), new TestPfDevice());
        bridge.addListener(events);
    }

    @AfterEach
    void tearDown() {
        bridge.close();
    }

    @Test
    void enablingAddsVfsAtOffsetAndStride() {
        SriovControl sriov = pf.sriov().orElseThrow();
        assertEquals(TestPfDevice.TOTAL_VFS, sriov.totalVfs());
        assertEquals(0, sriov.numVfs());
        List<PciFunction> vfs = sriov.enableVfs(3);
        // PF routing ID 0x20; VF n at 0x20 + 4 + 2n.
        assertEquals(List.of(PciAddress.parse("00:04.4"), PciAddress.parse("00:04.6"), PciAddress.parse("00:05.0")),
                vfs.stream().map(PciFunction::address).toList());
        assertEquals(vfs, events.added);
        assertEquals(3, sriov.numVfs());
        assertEquals(vfs, sriov.vfs());
        assertEquals(4, bridge.functions().size());
        for (PciFunction vf : vfs) {
            assertSame(pf, vf.physfn().orElseThrow());
            assertSame(bridge, vf.bridge());
            assertTrue(vf.sriov().isEmpty());
            assertEquals(0xffff, vf.readConfig(PCI_VENDOR_ID, 2), "VF Vendor ID reads FFFFh (SR-IOV 3.4.1.1)");
            assertEquals(0xffff, vf.readConfig(PCI_DEVICE_ID, 2));
            assertEquals(0, vf.readConfig(PCI_BASE_ADDRESS_0, 4), "VF BARs are read-only zero");
            RegionInfo bar0 = vf.region(0).orElseThrow();
            assertEquals(TestPfDevice.VF_BAR_SIZE, bar0.size());
            assertTrue(bar0.has(RegionFlag.MEM64) && bar0.has(RegionFlag.PREFETCHABLE) && bar0.has(RegionFlag.MAPPABLE));
        }
        assertTrue(pf.physfn().isEmpty());
        int ctrl = pf.readConfig(SRIOV + PCI_SRIOV_CTRL, 2);
        assertEquals(PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE, ctrl);
        assertEquals(3, pf.readConfig(SRIOV + PCI_SRIOV_NUM_VF, 2));
        pf.writeConfig(SRIOV + PCI_SRIOV_NUM_VF, 2, 1);
        assertEquals(3, pf.readConfig(SRIOV + PCI_SRIOV_NUM_VF, 2), "NumVFs is fixed while VF Enable is set");

        // VF memory decodes per the PF's VF MSE; the VF's own BAR is plain memory.
        try (Mmio m = vfs.get(1).map(0)) {
            m.write64(8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, m.segment().orElseThrow().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
            pf.writeConfig(SRIOV + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE);
            assertHw(HwException.EIO, () -> m.read32(0));
            pf.writeConfig(SRIOV + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
            assertEquals(0x55667788, m.read32(8));
        }
        assertHw(HwException.EBUSY, () -> sriov.enableVfs(1));
        assertEquals(3, sriov.numVfs(), "a refused enable changes nothing");
    }

    @Test
    void disablingRemovesVfs() {
        SriovControl sriov = pf.sriov().orElseThrow();
        List<PciFunction> vfs = sriov.enableVfs(2);
        Mmio m = vfs.get(0).map(0);
        sriov.disableVfs();
        assertEquals(List.of(vfs.get(1), vfs.get(0)), events.removed, "last VF first");
        assertFalse(vfs.get(0).isPresent());
        assertHw(HwException.ENODEV, () -> m.read32(0));
        assertHw(HwException.ENODEV, () -> vfs.get(0).readConfig(0, 4));
        assertEquals(0, sriov.numVfs());
        assertEquals(0, pf.readConfig(SRIOV + PCI_SRIOV_CTRL, 2));
        assertEquals(0, pf.readConfig(SRIOV + PCI_SRIOV_NUM_VF, 2));
        assertEquals(List.of(pf), bridge.functions());
        sriov.disableVfs();
        assertEquals(2, events.removed.size(), "disabling twice is harmless");
    }

    @Test
    void enableValidates() {
        SriovControl sriov = pf.sriov().orElseThrow();
        assertHw(HwException.ERANGE, () -> sriov.enableVfs(TestPfDevice.TOTAL_VFS + 1));
        assertHw(HwException.EINVAL, () -> sriov.enableVfs(0));
        bridge.plug(PciAddress.parse("00:04.6"), new PciTestDevice());
        assertHw(HwException.EBUSY, () -> sriov.enableVfs(2));
        assertEquals(0, sriov.numVfs());
        assertEquals(0, pf.readConfig(SRIOV + PCI_SRIOV_CTRL, 2), "nothing changed");
        assertEquals(1, events.added.size(), "only the pci-testdev was added");
    }

    @Test
    void vfsBeyondBus255AreRefused() {
        PciFunction last = bridge.plug(PciAddress.parse("ff:1f.4"), new TestPfDevice());
        assertHw(HwException.ERANGE, () -> last.sriov().orElseThrow().enableVfs(1));
    }

    @Test
    void configWritesDriveVfEnableLikeTheKernel() {
        pf.writeConfig(SRIOV + PCI_SRIOV_NUM_VF, 2, 2);
        pf.writeConfig(SRIOV + PCI_SRIOV_CTRL, 2, PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
        assertEquals(2, events.added.size());
        assertEquals(2, pf.sriov().orElseThrow().numVfs());
        pf.writeConfig(SRIOV + PCI_SRIOV_CTRL, 2, 0);
        assertEquals(2, events.removed.size());
        assertEquals(0, pf.sriov().orElseThrow().numVfs());
    }

    @Test
    void pfResetAndHotRemoveTakeTheVfsAlong() {
        List<PciFunction> vfs = pf.sriov().orElseThrow().enableVfs(2);
        pf.reset();
        assertEquals(2, events.removed.size());
        assertFalse(vfs.get(0).isPresent());
        assertEquals(0, pf.readConfig(SRIOV + PCI_SRIOV_CTRL, 2));
        List<PciFunction> again = pf.sriov().orElseThrow().enableVfs(1);
        bridge.unplug(pf.address());
        assertEquals(List.of(vfs.get(1), vfs.get(0), again.get(0), pf), events.removed);
        assertTrue(bridge.functions().isEmpty());
    }

    @Test
    void vfsHaveTheirOwnIommuDomainAndInterrupts() {
        PciFunction vf = pf.sriov().orElseThrow().enableVfs(1).get(0);
        assertEquals(0, vf.irqCount(IrqType.INTX), "VFs have no INTx");
        assertEquals(1, vf.irqCount(IrqType.MSI));
        try (var a = pf.allocateDma(4096, Set.of(DmaDirection.TO_DEVICE));
             var b = vf.allocateDma(4096, Set.of(DmaDirection.TO_DEVICE))) {
            assertEquals(a.iova(), b.iova(), "separate IOVA spaces");
        }
        assertHw(HwException.EINVAL, () -> bridge.unplug(vf.address()));
    }
}
