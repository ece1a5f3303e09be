package org.nova.hw.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_IO;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MASTER;
import static org.nova.hw.pci.PciRegs.PCI_COMMAND_MEMORY;
import static org.nova.hw.sim.SimTestSupport.assertHw;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nova.hw.HwException;
import org.nova.hw.IrqType;
import org.nova.hw.Mmio;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.nova.hw.RegionFlag;

/** pci-testdev as samples/rust/rust_driver_pci.rs drives it, and QEMU's finer points. */
class PciTestDeviceTest {
    /** Regs of the Rust sample. */
    private static final int TEST = 0x0;
    private static final int OFFSET = 0x4;
    private static final int DATA = 0x8;
    private static final int COUNT = 0xc;

    private SimulatedHostBridge bridge;
    private PciFunction dev;
    private PciTestDevice model;

    @BeforeEach
    void setUp() {
        bridge = new SimulatedHostBridge("t0", 0);
        model = new PciTestDevice();
        dev = bridge.plug(PciAddress.parse("00:02.0"), model);
    }

    @AfterEach
    void tearDown() {
        bridge.close();
    }

    /** SampleDriver::testdev. */
    private static int sampleTestdev(Mmio bar, int index) {
        bar.write8(TEST, index);
        int offset = bar.read32(OFFSET);
        int data = bar.read8(DATA);
        bar.write8(offset, data);
        return bar.read32(COUNT);
    }

    @Test
    void regionsAreQemusBars() {
        var bar0 = dev.region(0).orElseThrow();
        assertEquals(4096, bar0.size());
        assertTrue(bar0.has(RegionFlag.MEMORY));
        assertFalse(bar0.has(RegionFlag.MAPPABLE), "register-level: no direct memory");
        var bar1 = dev.region(1).orElseThrow();
        assertEquals(256, bar1.size());
        assertTrue(bar1.has(RegionFlag.IO));
        assertTrue(dev.region(2).isEmpty());
        assertTrue(dev.region(6).isEmpty());
        assertEquals(0, dev.irqCount(IrqType.INTX), "no interrupt pin");
        assertEquals(0, dev.irqCount(IrqType.MSI));
        assertEquals("QEMU pci-testdev", dev.model());
    }

    @Test
    void rustSampleSeesTheHitCounted() {
        // pdev.enable_device_mem(); pdev.set_master();
        dev.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
        try (Mmio bar = dev.map(0)) {
            assertEquals(1, sampleTestdev(bar, 0), "pci-testdev data-match count: 1");
            assertEquals(PciTestDevice.IOTEST_MEMSIZE, bar.read32(OFFSET));
            assertEquals(PciTestDevice.IOTEST_DATAMATCH, bar.read8(DATA));
            assertEquals(PciTestDevice.IOTEST_DATAMATCH, bar.read32(DATA), "DATA is a u8, padded");
            assertEquals(1, bar.read8(PciTestDevice.HDR_WIDTH));
            byte[] name = new byte["mmio-no-eventfd".length()];
            for (int i = 0; i < name.length; i++) {
                name[i] = (byte) bar.read8(PciTestDevice.HDR_NAME + i);
            }
            assertEquals("mmio-no-eventfd", new String(name, StandardCharsets.US_ASCII));
            bar.write8(PciTestDevice.IOTEST_MEMSIZE, 0x11);
            assertEquals(1, bar.read32(COUNT), "wrong data is no hit");
            bar.write8(PciTestDevice.IOTEST_MEMSIZE + 4, PciTestDevice.IOTEST_DATAMATCH);
            assertEquals(1, bar.read32(COUNT), "wrong offset is no hit");
            bar.write32(PciTestDevice.IOTEST_MEMSIZE, 0x123456fa);
            assertEquals(2, bar.read32(COUNT), "a wider write is split into bytes; the first byte hits");
            assertEquals(1, sampleTestdev(bar, 0), "selecting the test again zeroes COUNT");
        }
    }

    @Test
    void eventfdTestsConsumeMatchingWrites() {
        dev.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
        try (Mmio bar = dev.map(0)) {
            bar.write8(TEST, 1);
            assertEquals(PciTestDevice.IOTEST_MEMSIZE + 1, bar.read32(OFFSET));
            assertEquals(PciTestDevice.IOTEST_NOMATCH, bar.read8(DATA));
            assertEquals(0, sampleTestdev(bar, 1), "the ioeventfd takes the write, COUNT stays 0");
            bar.write8(TEST, 2);
            bar.write8(PciTestDevice.IOTEST_MEMSIZE + 2, PciTestDevice.IOTEST_DATAMATCH);
            assertEquals(0, bar.read32(COUNT));
            ((SimulatedFunction) dev).lock().lock();
            try {
                assertEquals(1, model.eventfdSignals(1));
                assertEquals(1, model.eventfdSignals(2));
            } finally {
                ((SimulatedFunction) dev).lock().unlock();
            }
            bar.write8(TEST, 3);
            assertEquals(0, bar.read32(OFFSET), "test 3 does not exist: nothing selected, reads 0");
        }
    }

    @Test
    void ioBarNeedsIoDecode() {
        try (Mmio pio = dev.map(1)) {
            assertEquals(0xff, pio.read8(TEST), "not decoded: master abort reads all ones");
            pio.write8(TEST, 0);
            dev.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_IO);
            assertEquals(0, pio.read32(OFFSET), "the write was dropped: no test selected");
            pio.write8(TEST, 0);
            assertEquals(3, pio.read8(TEST), "port I/O test 0 is test index 3");
            assertEquals(PciTestDevice.IOTEST_IOSIZE + 3, pio.read32(OFFSET));
            pio.write8(PciTestDevice.IOTEST_IOSIZE + 3, pio.read8(DATA));
            assertEquals(1, pio.read32(COUNT));
            assertHw(HwException.EINVAL, () -> pio.read64(0));
        }
    }

    @Test
    void memoryBarNeedsMemoryDecode() {
        try (Mmio bar = dev.map(0)) {
            HwException e = assertHw(HwException.EIO, () -> bar.read32(0));
            assertTrue(e.getMessage().contains("PCI_COMMAND_MEMORY"), e.getMessage());
        }
    }

    @Test
    void mmioChecksBoundsAndAlignment() {
        dev.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
        try (Mmio bar = dev.map(0)) {
            assertHw(HwException.ERANGE, () -> bar.read32(4096));
            assertHw(HwException.ERANGE, () -> bar.write8(-1, 0));
            assertHw(HwException.ERANGE, () -> bar.read64(4092));
            assertHw(HwException.EINVAL, () -> bar.read32(2));
            assertHw(HwException.EINVAL, () -> bar.write16(1, 0));
            assertEquals(0, bar.read32(4092), "last dword of the BAR");
        }
        assertHw(HwException.ENXIO, () -> dev.map(2));
        assertHw(HwException.EINVAL, () -> dev.map(7));
        assertHw(HwException.EINVAL, () -> dev.region(-1));
        Mmio closed = dev.map(0);
        closed.close();
        assertHw(HwException.ENODEV, () -> closed.read32(0));
    }

    @Test
    void resetDeselectsTheTest() {
        dev.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
        try (Mmio bar = dev.map(0)) {
            assertEquals(1, sampleTestdev(bar, 0));
            dev.reset();
            assertEquals(0, dev.readConfig(PCI_COMMAND, 2), "command register back to power-on");
            assertHw(HwException.EIO, () -> bar.read32(COUNT));
            dev.writeConfig(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
            assertEquals(0, bar.read32(OFFSET), "qdev reset: no test selected");
            assertEquals(0, bar.read32(COUNT));
            assertEquals(1, sampleTestdev(bar, 0));
        }
    }
}
