package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MEMORY;
import static org.nova.hw.sim.SimTestSupport.assertHw;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;
import org.nova.hw.Mmio;
import org.nova.hw.PciFunction;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.pci.PciRegs;

/** The pci-generic model: identity and BARs from its options, scratch registers a reset clears. */
class PciGenericDeviceTest {

    private static DeviceModel generic(String... kv) {
        Map<String, String> options = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            options.put(kv[i], kv[i + 1]);
        }
        return SimModels.create(SimModels.PCI_GENERIC, options);
    }

    @Test
    void defaultsAreOneSmallBarTheUnassignedClassAndQemuSubsystemIds() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("g", 0)) {
            PciFunction f = bridge.plug(PciAddress.parse("00:05.0"), generic("vendor", "1234", "device", "beef"));
            assertEquals(0xbeef1234, f.readConfig(0, 4));
            assertEquals(0xff000000, f.readConfig(PciRegs.PCI_REVISION_ID, 4));
            assertEquals(0x11001af4, f.readConfig(PciRegs.PCI_SUBSYSTEM_VENDOR_ID, 4));
            assertEquals(4096, f.region(0).orElseThrow().size());
            assertEquals(256, f.configSize(), "conventional PCI without flr");
            assertEquals(0, f.readConfig(PciRegs.PCI_CAPABILITY_LIST, 1));
        }
    }

    @Test
    void scratchRegistersReadBackAndAResetClearsThem() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("g", 0)) {
            PciFunction f = bridge.plug(PciAddress.parse("00:05.0"),
                    generic("vendor", "1234", "device", "beef", "bars", "1:mem64-pref:4G", "flr", "true"));
            assertEquals(4096, f.configSize(), "PCIe with flr");
            f.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
            try (Mmio bar = f.map(1)) {
                bar.write64((1L << 32) - 8, 0x0123_4567_89ab_cdefL);
                bar.write16(0x10, 0xbeef);
                bar.write8(0x11, 0x12);
                assertEquals(0x0123_4567_89ab_cdefL, bar.read64((1L << 32) - 8));
                assertEquals(0x89ab_cdef, bar.read32((1L << 32) - 8));
                assertEquals(0x12ef, bar.read16(0x10));
                f.reset();
                f.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
                assertEquals(0, bar.read64((1L << 32) - 8), "a reset clears the registers");
                assertEquals(0, bar.read16(0x10));
            }
        }
    }

    @Test
    void aBridgeOwnerOutsideTheBundlePlugsAModelByItsConfigurationName() {
        try (SimulatedHostBridge bridge = new SimulatedHostBridge("g", 0)) {
            PciFunction f = bridge.plug(PciAddress.parse("00:07.0"), SimModels.PCI_GENERIC,
                    Map.of("vendor", "1234", "device", "beef"));
            assertEquals(0xbeef1234, f.readConfig(0, 4));
            assertEquals(f, bridge.function(PciAddress.parse("00:07.0")).orElseThrow());
            assertTrue(assertHw(HwException.EINVAL, () -> bridge.plug(PciAddress.parse("00:08.0"), "no-such-model",
                    Map.of())).reason().contains("no-such-model"));
            assertTrue(bridge.function(PciAddress.parse("00:08.0")).isEmpty(), "nothing of a refused model stays");
        }
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertTrue(assertHw(HwException.EINVAL, () -> generic("device", "1")).reason().startsWith("vendor"));
        assertTrue(assertHw(HwException.EINVAL, () -> generic("vendor", "1")).reason().startsWith("device"));
        assertTrue(assertHw(HwException.EINVAL, () -> generic("vendor", "10000", "device", "1")).reason().startsWith("vendor"));
        assertTrue(assertHw(HwException.EINVAL, () -> generic("vendor", "1", "device", "1", "revision", "100"))
                .reason().startsWith("revision"));
        for (String bars : new String[] {"0:mem32", "x:mem32:4K", "0:mem16:4K", "0:mem32:3K", "6:mem32:4K",
                "5:mem64:4K", "0:io:512", "0:mem32:4X", "0:mem32:-4K"}) {
            HwException e = assertHw(HwException.EINVAL, () -> generic("vendor", "1", "device", "1", "bars", bars));
            assertTrue(e.reason().startsWith("bars"), bars + ": " + e.reason());
        }
        assertTrue(assertHw(HwException.EINVAL, () -> generic("vendor", "1", "device", "1", "flr", "yes"))
                .reason().startsWith("flr"));
        assertNotEquals(null, generic("vendor", "1", "device", "1", "bars", ""), "no BARs at all is a device too");
    }
}
