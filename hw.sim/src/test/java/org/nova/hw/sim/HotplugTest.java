package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MASTER;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MEMORY;
import static org.nova.hw.sim.SimTestSupport.assertHw;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nova.hw.DmaBuffer;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IrqSet;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;

class HotplugTest {

    @Test
    void hotAddAssignsResourcesAndTellsListeners() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("t1", 1)) {
            SimTestSupport.Events events = new SimTestSupport.Events();
            bridge.addListener(events);
            bridge.addListener(events);
            PciFunction edu = bridge.plug(new PciAddress(1, 0, 3, 0), new EduDevice());
            PciFunction testdev = bridge.plug(new PciAddress(1, 0, 2, 0), new PciTestDevice());
            assertEquals(List.of(edu, testdev), events.added, "one event each, registration is idempotent");
            assertEquals(List.of(testdev, edu), bridge.functions(), "address order");
            assertEquals("0001:00:03.0", edu.address().toString());
            assertEquals(edu, bridge.function(edu.address()).orElseThrow());
            assertEquals("sim", bridge.backend());
            long bar0 = Integer.toUnsignedLong(edu.readConfig(0x10, 4));
            assertTrue(bar0 >= Firmware.MEM32_BASE && bar0 < Firmware.MEM32_LIMIT && bar0 % (1 << 20) == 0, Long.toHexString(bar0));
            assertEquals(11, edu.readConfig(0x3c, 1), "INTA# of slot 3 swizzles to the 4th routing entry");
            int io = testdev.readConfig(0x14, 4);
            assertEquals(1, io & 3, "I/O BAR");
            assertTrue((io & ~3) >= Firmware.IO_BASE);
            assertHw(HwException.EEXIST, () -> bridge.plug(new PciAddress(1, 0, 3, 0), new PciTestDevice()));
            assertHw(HwException.EINVAL, () -> bridge.plug(new PciAddress(0, 0, 4, 0), new PciTestDevice()));
            assertHw(HwException.ENOENT, () -> bridge.unplug(new PciAddress(1, 0, 9, 0)));
            assertEquals(2, events.added.size(), "refused hot adds change nothing");
        }
    }

    @Test
    void hotRemoveKillsMappingsAndInterrupts() {
        SimulatedHostBridge bridge = new SimulatedHostBridge("t0", 0);
        SimTestSupport.Events events = new SimTestSupport.Events();
        bridge.addListener(events);
        PciFunction edu = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
        edu.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        Mmio bar = edu.map(0);
        IrqSet irqs = edu.enableIrqs(IrqType.MSI, 1, v -> { });
        DmaBuffer buf = edu.allocateDma(4096, Set.of(DmaDirection.TO_DEVICE));
        assertEquals(0x010000ed, bar.read32(0));

        bridge.unplug(edu.address());

        assertEquals(List.of(edu), events.removed);
        assertFalse(edu.isPresent());
        assertTrue(bridge.functions().isEmpty());
        HwException e = assertHw(HwException.ENODEV, () -> bar.read32(0));
        assertTrue(e.getMessage().contains("removed"), e.getMessage());
        assertHw(HwException.ENODEV, () -> bar.write32(4, 1));
        assertHw(HwException.ENODEV, () -> edu.readConfig(0, 4));
        assertHw(HwException.ENODEV, () -> edu.writeConfig(4, 2, 0));
        assertHw(HwException.ENODEV, () -> edu.map(0));
        assertHw(HwException.ENODEV, () -> edu.region(0));
        assertHw(HwException.ENODEV, () -> edu.irqCount(IrqType.MSI));
        assertHw(HwException.ENODEV, () -> edu.enableIrqs(IrqType.INTX, 1, v -> { }));
        assertHw(HwException.ENODEV, () -> edu.allocateDma(4096, Set.of(DmaDirection.TO_DEVICE)));
        assertHw(HwException.ENODEV, edu::reset);
        assertFalse(irqs.isActive());
        assertEquals("QEMU edu", edu.model());
        assertEquals(256, edu.configSize());
        // The consumer still owns and releases what it allocated.
        irqs.close();
        bar.close();
        buf.close();
        assertThrows(IllegalStateException.class, () -> buf.memory().get(ValueLayout.JAVA_BYTE, 0),
                "closed buffers are freed");
        PciFunction again = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
        assertTrue(again.isPresent(), "the slot can be reused");
        bridge.close();
        assertEquals(2, events.removed.size(), "closing the bridge removes what is left");
        assertHw(HwException.ENODEV, () -> bridge.plug(PciAddress.parse("00:04.0"), new EduDevice()));
    }

    @Test
    void ramRegionMemoryIsReleasedOnRemove() {
        SimulatedHostBridge bridge = new SimulatedHostBridge("t0", 0);
        PciFunction pf = bridge.plug(PciAddress.parse("00:04.0"), new TestPfDevice());
        pf.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
        Mmio m = pf.map(0);
        var seg = m.segment().orElseThrow();
        seg.set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
        bridge.close();
        assertThrows(IllegalStateException.class, () -> seg.get(ValueLayout.JAVA_BYTE, 0));
        assertHw(HwException.ENODEV, m::segment);
    }

    /** More add/remove cycles than either window holds without reuse (~955 edu, ~29 GPUs). */
    private static final int CYCLES = 1_100;

    @Test
    void removedFunctionsGiveTheirAddressSpaceBackForEveryLaterHotAdd() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("reuse", 0)) {
            PciAddress at = PciAddress.parse("00:03.0");
            long firstEdu = -1;
            for (int i = 0; i < CYCLES; i++) {
                PciFunction edu = bridge.plug(at, new EduDevice());
                long bar0 = Integer.toUnsignedLong(edu.readConfig(0x10, 4)) & ~0xfL;
                if (i == 0) {
                    firstEdu = bar0;
                }
                assertEquals(firstEdu, bar0, "cycle " + i + ": the removed edu's BAR0 is reused");
                bridge.unplug(at);
            }
            PciFunction gpu0 = null;
            long firstBar0 = -1;
            long firstBar1 = -1;
            for (int i = 0; i < CYCLES; i++) {
                PciFunction gpu = bridge.plug(at, SimModels.create(SimModels.NVIDIA_GPU, Map.of()));
                long bar0 = Integer.toUnsignedLong(gpu.readConfig(0x10, 4)) & ~0xfL;
                long bar1 = (Integer.toUnsignedLong(gpu.readConfig(0x18, 4)) << 32)
                        | (Integer.toUnsignedLong(gpu.readConfig(0x14, 4)) & ~0xfL);
                if (i == 0) {
                    gpu0 = gpu;
                    firstBar0 = bar0;
                    firstBar1 = bar1;
                    assertTrue(bar1 >= Firmware.MEM64_BASE && bar1 < Firmware.MEM64_LIMIT,
                            "64-bit prefetchable BAR1 in the 64-bit window: " + Long.toHexString(bar1));
                    assertEquals(0, bar1 % gpu.region(1).orElseThrow().size(), "naturally aligned");
                }
                assertEquals(firstBar0, bar0, "cycle " + i + ": BAR0 reused");
                assertEquals(firstBar1, bar1, "cycle " + i + ": BAR1 reused");
                bridge.unplug(at);
            }
            assertFalse(gpu0.isPresent());
            bridge.firmware().used().forEach((window, bytes) -> assertEquals(0L, bytes, window + " window leaks"));
        }
    }

    @Test
    void aBarNoWindowHoldsIsRefusedWithEnospcAndLeavesNothingAssigned() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("full", 0)) {
            SimTestSupport.Events events = new SimTestSupport.Events();
            bridge.addListener(events);
            PciFunction edu = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
            java.util.Map<String, Long> before = bridge.firmware().used();
            DeviceModel big = SimModels.create(SimModels.PCI_GENERIC, Map.of(
                    PciGenericDevice.OPT_VENDOR, "1b36", PciGenericDevice.OPT_DEVICE, "00fe",
                    PciGenericDevice.OPT_BARS, "0:mem32:4K,1:mem32:2G"));
            HwException e = assertHw(HwException.ENOSPC, () -> bridge.plug(PciAddress.parse("00:04.0"), big));
            assertTrue(e.reason().contains("BAR1") && e.reason().contains(Long.toString(1L << 31)), e.reason());
            assertEquals(before, bridge.firmware().used(), "BAR0, assigned before BAR1 failed, is free again");
            assertEquals(List.of(edu), bridge.functions());
            assertEquals(List.of(edu), events.added, "listeners never heard of the refused device");
        }
    }

    @Test
    void anOrderlyRemovalTellsListenersWhileTheFunctionWorksASurpriseOnlyOnceItIsGone() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("rm", 0)) {
            SimTestSupport.Events events = new SimTestSupport.Events();
            bridge.addListener(events);
            PciFunction first = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
            bridge.unplug(first.address());
            assertEquals(List.of("0000:00:03.0 present"), events.removing, "pci_stop_and_remove_bus_device first");
            assertEquals(List.of(first), events.removed, "then the function goes");
            assertFalse(first.isPresent());

            PciFunction second = bridge.plug(PciAddress.parse("00:03.0"), new EduDevice());
            bridge.unplug(second.address(), true);
            assertEquals(1, events.removing.size(), "a surprise removal is not announced before");
            assertEquals(List.of(first, second), events.removed);
            assertFalse(second.isPresent());
        }
    }
}
