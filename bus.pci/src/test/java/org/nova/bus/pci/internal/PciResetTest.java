package org.nova.bus.pci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.bus.pci.PciBus;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDriver;
import org.nova.bus.pci.fake.FakeBridge;
import org.nova.bus.pci.fake.FakeFunction;
import org.nova.driver.DriverCore;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.driver.testing.StandaloneDriverCore;
import org.nova.hw.RegionFlag;
import org.nova.hw.pci.PciRegs;

/**
 * drivers/pci/pci.c's function reset: the methods each function supports, found and ordered as
 * pci_init_reset_methods does, reset_method shown and written as sysfs does, and
 * pci_reset_function: the first method that works, config state saved and restored, the bound
 * driver's reset_prepare / reset_done around it, the driver still bound after.
 */
class PciResetTest {
    /** Where the test functions' capabilities start. */
    private static final int CAP0 = 0x40;
    private static final int CAP1 = 0x80;
    private static final int CAP2 = 0xc0;
    private static final String SLOT = "0000:00:05.0";

    StandaloneDriverCore standalone;
    DriverCore core;
    PciBusImpl pci;
    FakeBridge bridge;
    final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        standalone = StandaloneDriverCore.start();
        core = standalone.core();
        core.setTestDriverRemove(false);
        pci = new PciBusImpl(core);
        bridge = new FakeBridge("fake0", 0);
    }

    @AfterEach
    void tearDown() {
        pci.close();
        standalone.close();
    }

    /** A function with the capabilities given as (id, offset) pairs, chained in that order. */
    private FakeFunction function(int... capIdAndOffset) {
        FakeFunction f = bridge.function(5, 0, PciRegs.PCI_CFG_SPACE_SIZE).ids(0x1b36, 0x00fe, 0x1af4, 0x1100, 0xff0000, 0)
                .region(0, 0x1000, false, RegionFlag.MEMORY);
        if (capIdAndOffset.length > 0) {
            f.put(PciRegs.PCI_STATUS, 2, PciRegs.PCI_STATUS_CAP_LIST);
            f.put(PciRegs.PCI_CAPABILITY_LIST, 1, capIdAndOffset[1]);
            for (int i = 0; i < capIdAndOffset.length; i += 2) {
                int next = i + 3 < capIdAndOffset.length ? capIdAndOffset[i + 3] : 0;
                f.put(capIdAndOffset[i + 1], 2, capIdAndOffset[i] | next << Byte.SIZE);
            }
        }
        return f;
    }

    private static FakeFunction flr(FakeFunction f, int exp) {
        return f.put(exp + PciRegs.PCI_EXP_DEVCAP, 4, PciRegs.PCI_EXP_DEVCAP_FLR);
    }

    private static FakeFunction noSoftReset(FakeFunction f, int pm) {
        return f.put(pm + PciRegs.PCI_PM_CTRL, 2, PciRegs.PCI_PM_CTRL_NO_SOFT_RESET);
    }

    private static Errno errno(Runnable r) {
        return assertThrows(DriverException.class, r::run).errno();
    }

    @Test
    void methodsAreTheSupportedOnesInTheKernelsOrder() {
        FakeFunction f = flr(function(PciRegs.PCI_CAP_ID_PM, CAP0, PciRegs.PCI_CAP_ID_EXP, CAP1,
                PciRegs.PCI_CAP_ID_AF, CAP2), CAP1);
        f.put(CAP2 + PciRegs.PCI_AF_CAP, 1, PciRegs.PCI_AF_CAP_TP | PciRegs.PCI_AF_CAP_FLR);
        pci.addBridge(bridge);
        assertEquals("flr af_flr pm", pci.resetMethod(SLOT), "pcie FLR before AF FLR before PM, whatever the list order");
    }

    @Test
    void withoutFlrAPmSoftResetIsChosenAndWithNeitherThereIsNoResetAtAll() {
        FakeFunction pmOnly = function(PciRegs.PCI_CAP_ID_EXP, CAP0, PciRegs.PCI_CAP_ID_PM, CAP1);
        pmOnly.put(CAP1 + PciRegs.PCI_PM_CTRL, 2, PciRegs.PCI_PM_CTRL_STATE_D0);
        pci.addBridge(bridge);
        assertEquals("pm", pci.resetMethod(SLOT), "PCIe without DevCap FLR, PM without No_Soft_Reset");
        assertEquals("pm", pci.reset(SLOT));
        assertEquals(0, pmOnly.resets.get(), "a PM reset is D3hot→D0 in config space, not the backend's FLR");
        assertEquals(PciRegs.PCI_PM_CTRL_STATE_D0,
                pmOnly.readConfig(CAP1 + PciRegs.PCI_PM_CTRL, 2) & PciRegs.PCI_PM_CTRL_STATE_MASK, "back in D0");

        noSoftReset(pmOnly, CAP1);
        pci.setResetMethod(SLOT, "default");
        assertEquals("", pci.resetMethod(SLOT), "No_Soft_Reset set, no FLR, a root bus: nothing");
        assertEquals(Errno.ENOTTY, errno(() -> pci.reset(SLOT)));
    }

    @Test
    void resetMethodTakesAnOrderOfSupportedMethodsAndRefusesTheRestUnchanged() {
        flr(function(PciRegs.PCI_CAP_ID_EXP, CAP0, PciRegs.PCI_CAP_ID_PM, CAP1), CAP0);
        pci.addBridge(bridge);
        assertEquals("flr pm", pci.resetMethod(SLOT));
        pci.setResetMethod(SLOT, "pm  flr\n");
        assertEquals("pm flr", pci.resetMethod(SLOT));
        assertEquals("pm", pci.reset(SLOT), "the first method in the order set");
        DriverException unsupported = assertThrows(DriverException.class, () -> pci.setResetMethod(SLOT, "flr bus"));
        assertEquals(Errno.EINVAL, unsupported.errno());
        assertEquals(true, unsupported.getMessage().contains("unsupported reset method 'bus'"), unsupported.getMessage());
        assertEquals(Errno.EINVAL, errno(() -> pci.setResetMethod(SLOT, "warm")));
        assertEquals("pm flr", pci.resetMethod(SLOT), "a refused value changes nothing");
        pci.setResetMethod(SLOT, "");
        assertEquals("", pci.resetMethod(SLOT));
        assertEquals(Errno.ENOTTY, errno(() -> pci.reset(SLOT)));
        pci.setResetMethod(SLOT, "default");
        assertEquals("flr pm", pci.resetMethod(SLOT));
        assertEquals(Errno.ENODEV, errno(() -> pci.reset("0000:00:1f.0")));
    }

    @Test
    void aBoundDriverStaysBoundAndHearsResetPrepareAndResetDoneAroundTheRestoredReset() {
        FakeFunction f = flr(function(PciRegs.PCI_CAP_ID_EXP, CAP0), CAP0);
        pci.addBridge(bridge);
        PciDriver<String> driver = new PciDriver<>() {
            @Override
            public String name() {
                return "holder";
            }

            @Override
            public List<PciDeviceId> idTable() {
                return List.of(PciDeviceId.of(0x1b36, 0x00fe));
            }

            @Override
            public String probe(PciDevice dev, PciDeviceId id) {
                dev.enableDevice();
                dev.setMaster();
                return "data";
            }

            @Override
            public void resetPrepare(PciDevice dev, String data) {
                log.add("prepare " + data + " resets=" + f.resets.get());
            }

            @Override
            public void resetDone(PciDevice dev, String data) {
                log.add("done " + data + " resets=" + f.resets.get() + " command=0x"
                        + Integer.toHexString(dev.read16(PciRegs.PCI_COMMAND)));
            }
        };
        pci.registerDriver(driver, "t", 0, 1);
        int command = f.readConfig(PciRegs.PCI_COMMAND, 2);
        assertEquals(PciRegs.PCI_COMMAND_MEMORY | PciRegs.PCI_COMMAND_MASTER, command);
        // what the hardware does to config space on an FLR, which pci_restore_state undoes
        f.put(PciRegs.PCI_INTERRUPT_LINE, 1, 0x0b);

        assertEquals("flr", pci.reset(SLOT));

        assertEquals(List.of("prepare data resets=0", "done data resets=1 command=0x" + Integer.toHexString(command)),
                log, "prepare before the reset, done after the restore");
        assertEquals(command, f.readConfig(PciRegs.PCI_COMMAND, 2), "decoding and bus mastering restored");
        assertEquals(0x0b, f.readConfig(PciRegs.PCI_INTERRUPT_LINE, 1));
        assertEquals("holder", core.requireBus(PciBus.NAME).device(SLOT).orElseThrow().driver().orElseThrow(),
                "the kernel's sysfs reset keeps the driver bound");
    }

    @Test
    void aFunctionWithoutResetIsRefusedWithoutTouchingItOrItsDriver() {
        FakeFunction f = function();
        pci.addBridge(bridge);
        f.put(PciRegs.PCI_COMMAND, 2, PciRegs.PCI_COMMAND_MEMORY);
        assertEquals("", pci.resetMethod(SLOT));
        DriverException e = assertThrows(DriverException.class, () -> pci.reset(SLOT));
        assertEquals(Errno.ENOTTY, e.errno());
        assertEquals(true, e.getMessage().contains(SLOT), e.getMessage());
        assertEquals(PciRegs.PCI_COMMAND_MEMORY, f.readConfig(PciRegs.PCI_COMMAND, 2), "nothing was written");
        assertEquals(0, f.resets.get());
    }
}
