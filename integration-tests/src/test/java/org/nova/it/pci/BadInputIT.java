package org.nova.it.pci;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDevice;
import org.nova.bus.pci.PciDeviceId;
import org.nova.bus.pci.PciDeviceInfo;
import org.nova.bus.pci.PciIrqType;
import org.nova.devres.Devres;
import org.nova.devres.Revocable;
import org.nova.driver.Errno;
import org.nova.hw.DmaDirection;
import org.nova.hw.HwException;
import org.nova.hw.IrqType;
import org.nova.hw.PciFunction;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Bad input gets a clear error and changes nothing: config accesses out of range or misaligned
 * (through the bus's PciDevice and through the backend's PciFunction), BAR offsets past the end,
 * interrupt vectors that were not allocated, malformed new_id / remove_id strings through the
 * shell.
 *
 * <p>The devices: the samples' (bound), and a pci-testdev at 00:1d.0 of sim0 bound to the test's
 * {@link HoldingDriver}, whose BAR0 the test uses.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BadInputIT extends PciItSupport {
    /** A slot the default platform leaves free. */
    private static final String SLOT = "0000:00:1d.0";

    private final HoldingDriver<HoldingDriver.Bound> driver = new HoldingDriver<>(HoldingDriver.Bound::new);

    @Configuration
    public Option[] config() {
        return options();
    }

    @Before
    public void bindTheHoldingDriver() throws Exception {
        awaitSamplesBound();
        registerDriver(driver);
        createDevice(SIM0, "00:1d.0", MODEL_TESTDEV, HoldingDriver.SUBSYSTEM_VENDOR, HoldingDriver.SUBSYSTEM_DEVICE);
        await(SLOT + " is bound to " + HoldingDriver.NAME,
                () -> driverOf(pciBus(), SLOT).equals(HoldingDriver.NAME), () -> driverOf(pciBus(), SLOT));
        settle();
    }

    // ---------------------------------------------------------------- config space

    @Test
    public void configAccessesOutOfRangeOrMisalignedThroughPciDevice() {
        for (String slot : List.of(TESTDEV, EDU, SLOT)) {
            PciDevice d = pci.device(slot).orElseThrow();
            int size = d.configSize();
            assertTrue(slot + " config size " + size, size == 256 || size == 4096);
            State before = state();
            byte[] config = config(slot);

            List<Object[]> reads = List.of(
                    new Object[] {"read8", size}, new Object[] {"read8", -1},
                    new Object[] {"read16", size}, new Object[] {"read16", size - 1}, new Object[] {"read16", 1},
                    new Object[] {"read16", 0x0f},
                    new Object[] {"read32", size}, new Object[] {"read32", size - 2}, new Object[] {"read32", 2},
                    new Object[] {"read32", 0x11}, new Object[] {"read32", -4},
                    new Object[] {"read32", Integer.MIN_VALUE}, new Object[] {"read32", Integer.MAX_VALUE});
            for (Object[] r : reads) {
                String op = (String) r[0];
                int off = (Integer) r[1];
                String msg = fails(Errno.EINVAL, op + "(" + off + ") of " + slot, () -> {
                    switch (op) {
                        case "read8" -> d.read8(off);
                        case "read16" -> d.read16(off);
                        default -> d.read32(off);
                    }
                });
                assertTrue(msg, msg.contains(slot) && msg.contains(String.format("0x%x", off)));
            }
            // writes that would change the command, status, BAR and interrupt registers if they went through
            List<Object[]> writes = List.of(
                    new Object[] {"write8", size, 0xff}, new Object[] {"write8", -1, 0xff},
                    new Object[] {"write16", 0x05, 0xffff}, new Object[] {"write16", 0x3d, 0xffff},
                    new Object[] {"write16", size, 0xffff},
                    new Object[] {"write32", 0x06, -1}, new Object[] {"write32", 0x12, -1},
                    new Object[] {"write32", 0x3e, -1}, new Object[] {"write32", size - 2, -1},
                    new Object[] {"write32", size, -1});
            for (Object[] w : writes) {
                String op = (String) w[0];
                int off = (Integer) w[1];
                int value = (Integer) w[2];
                String msg = fails(Errno.EINVAL, op + "(" + off + ") of " + slot, () -> {
                    switch (op) {
                        case "write8" -> d.write8(off, value);
                        case "write16" -> d.write16(off, value);
                        default -> d.write32(off, value);
                    }
                });
                assertTrue(msg, msg.contains(slot));
            }
            assertArrayEquals(slot + "'s config space changed", config, config(slot));
            assertEquals(before, state());
            // legal writes to read-only registers (IDs, revision, class, header type) are ignored
            d.write16(0x00, ~d.vendorId());
            d.write16(0x02, ~d.deviceId());
            d.write32(0x08, ~d.read32(0x08));
            d.write8(0x0e, 0x7f);
            assertArrayEquals(slot + "'s read-only registers changed", config, config(slot));
            assertEquals(before, state());
            // the checks are not refusing everything
            assertEquals(d.vendorId(), d.read16(0));
            assertEquals(d.vendorId() | d.deviceId() << 16, d.read32(0));
            assertEquals(d.revisionId(), d.read8(8));
            assertEquals(d.read8(size - 1), d.read8(size - 1));
        }
    }

    @Test
    public void configAccessesOutOfRangeOrMisalignedThroughTheBackend() {
        for (String slot : List.of(TESTDEV, EDU, SLOT)) {
            PciFunction f = function(SIM0, slot);
            int size = f.configSize();
            State before = state();
            byte[] config = config(slot);

            hwFails(HwException.ERANGE, () -> f.readConfig(size, 1));
            hwFails(HwException.ERANGE, () -> f.readConfig(size - 2, 4));
            hwFails(HwException.ERANGE, () -> f.readConfig(-4, 4));
            hwFails(HwException.EINVAL, () -> f.readConfig(2, 4));
            hwFails(HwException.EINVAL, () -> f.readConfig(1, 2));
            hwFails(HwException.EINVAL, () -> f.readConfig(0, 3));
            hwFails(HwException.EINVAL, () -> f.readConfig(0, 8));
            hwFails(HwException.EINVAL, () -> f.readConfig(0, 0));
            hwFails(HwException.ERANGE, () -> f.writeConfig(size, 4, -1));
            hwFails(HwException.ERANGE, () -> f.writeConfig(Integer.MAX_VALUE, 1, -1));
            hwFails(HwException.EINVAL, () -> f.writeConfig(0x05, 2, 0xffff));
            hwFails(HwException.EINVAL, () -> f.writeConfig(0x12, 4, -1));
            hwFails(HwException.EINVAL, () -> f.writeConfig(0x04, 3, -1));
            // regions, interrupts and DMA with bad arguments
            hwFails(HwException.EINVAL, () -> f.region(7));
            hwFails(HwException.EINVAL, () -> f.region(-1));
            hwFails(HwException.EINVAL, () -> f.map(7));
            hwFails(HwException.ENXIO, () -> f.map(2));
            hwFails(HwException.EINVAL, () -> f.enableIrqs(IrqType.INTX, 1, null));
            hwFails(HwException.EINVAL, () -> f.allocateDma(0, EnumSet.of(DmaDirection.TO_DEVICE)));
            hwFails(HwException.EINVAL, () -> f.allocateDma(4096, EnumSet.noneOf(DmaDirection.class)));

            assertArrayEquals(slot + "'s config space changed", config, config(slot));
            assertEquals(before, state());
            assertEquals(pci.device(slot).orElseThrow().vendorId(), f.readConfig(0, 2));
        }
        // interrupts: edu's are taken by its driver; pci-testdev has none
        hwFails(HwException.EBUSY, () -> function(SIM0, EDU).enableIrqs(IrqType.MSI, 1, v -> { }));
        hwFails(HwException.EINVAL, () -> function(SIM0, TESTDEV).enableIrqs(IrqType.MSI, 1, v -> { }));
        hwFails(HwException.EINVAL, () -> function(SIM0, TESTDEV).enableIrqs(IrqType.INTX, 1, v -> { }));
    }

    // ---------------------------------------------------------------- BARs

    @Test
    public void barOffsetsPastTheEndOrMisalignedAreEinval() throws Exception {
        Devres<Bar> devres = driver.bar(SLOT);
        State before = state();
        try (Revocable.Guard<Bar> g = devres.access()) {
            Bar bar = g.get();
            long size = bar.size();
            assertEquals(HoldingDriver.BAR0_SIZE, size);
            bar.write8(HoldingDriver.TEST, 0); // test 0: a byte 0xfa at 0x800 is a hit
            int offset = bar.read32(HoldingDriver.OFFSET);
            int data = bar.read8(HoldingDriver.DATA);
            byte[] header = header(bar);

            List<BarAccess> bad = new ArrayList<>();
            for (long off : new long[] {size, size + 1, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
                bad.add(new BarAccess("read8", off, b -> b.read8(off)));
                bad.add(new BarAccess("write8", off, b -> b.write8(off, data)));
            }
            for (long off : new long[] {size, size - 1, -2, Long.MAX_VALUE - 1}) {
                bad.add(new BarAccess("read16", off, b -> b.read16(off)));
            }
            for (long off : new long[] {size, size - 2, size - 3, -4, Long.MAX_VALUE - 3}) {
                bad.add(new BarAccess("read32", off, b -> b.read32(off)));
                bad.add(new BarAccess("write32", off, b -> b.write32(off, -1)));
            }
            for (long off : new long[] {size, size - 4, -8}) {
                bad.add(new BarAccess("read64", off, b -> b.read64(off)));
                bad.add(new BarAccess("write64", off, b -> b.write64(off, -1L)));
            }
            // misaligned, inside the BAR: each covers the hit byte, so it would count if it went through
            bad.add(new BarAccess("write16", offset - 1, b -> b.write16(offset - 1, data << 8)));
            bad.add(new BarAccess("write32", offset - 2, b -> b.write32(offset - 2, data << 16)));
            bad.add(new BarAccess("write64", offset - 4, b -> b.write64(offset - 4, (long) data << 32)));
            bad.add(new BarAccess("read16", 1, b -> b.read16(1)));
            bad.add(new BarAccess("read32", 2, b -> b.read32(2)));
            bad.add(new BarAccess("read64", 4, b -> b.read64(4)));

            for (BarAccess a : bad) {
                String msg = fails(Errno.EINVAL, a.op + " at " + a.offset, () -> a.access.accept(bar));
                assertTrue(msg, msg.contains(a.op) && msg.contains(String.format("0x%x", a.offset))
                        && msg.contains("pci:bar0"));
            }
            assertArrayEquals("pci-testdev's header changed", header, header(bar));
            assertEquals("a refused access counted as a hit", 0, bar.read32(HoldingDriver.COUNT));
            // the last byte and the last dword are fine
            bar.read8(size - 1);
            bar.read32(size - 4);
            bar.read64(size - 8);
        }
        assertEquals(before, state());
        assertFalse(devres.isRevoked());
    }

    @Test
    public void barsThatDoNotExistOrAreTakenOrTooSmall() {
        PciDevice d = pci.device(SLOT).orElseThrow();
        State before = state();
        assertEquals(HoldingDriver.BAR0_SIZE, d.resourceLen(0));
        assertEquals(256, d.resourceLen(1));
        assertEquals(0, d.resourceLen(2));
        fails(Errno.EINVAL, "resourceLen(6)", () -> d.resourceLen(6));
        fails(Errno.EINVAL, "resourceLen(-1)", () -> d.resourceLen(-1));
        fails(Errno.EBUSY, "iomapRegion(0) again", () -> d.iomapRegion(0, "again"));
        fails(Errno.EINVAL, "iomapRegion(6)", () -> d.iomapRegion(6, "rom"));
        fails(Errno.EINVAL, "iomapRegion(-1)", () -> d.iomapRegion(-1, "x"));
        fails(Errno.ENOMEM, "iomapRegion(2)", () -> d.iomapRegion(2, "absent"));
        fails(Errno.EINVAL, "Bar<0x2000> of a 4 KiB BAR", () -> d.iomapRegionSized(0, 0x2000, "big"));
        fails(Errno.EINVAL, "Bar<0x1000> of a 256-byte BAR", () -> d.iomapRegionSized(1, 0x1000, "big"));
        fails(Errno.EINVAL, "negative size", () -> d.iomapRegionSized(1, -1, "neg"));
        fails(Errno.EINVAL, "allocCoherent(0)", () -> d.allocCoherent(0));
        // edu's BAR0 belongs to edu_sample
        fails(Errno.EBUSY, "iomapRegion(0) of edu", () -> pci.device(EDU).orElseThrow().iomapRegion(0, "thief"));
        assertEquals(before, state());
    }

    // ---------------------------------------------------------------- interrupts

    @Test
    public void irqVectorsNotAllocatedAreEinval() throws Exception {
        PciDevice d = pci.device(SLOT).orElseThrow();
        State before = state();
        fails(Errno.EINVAL, "requestIrq without vectors", () -> d.requestIrq(0, "x", v -> { }));
        fails(Errno.EINVAL, "allocIrqVectors(0, 1)", () -> d.allocIrqVectors(0, 1, EnumSet.allOf(PciIrqType.class)));
        fails(Errno.ERANGE, "allocIrqVectors(2, 1)", () -> d.allocIrqVectors(2, 1, EnumSet.allOf(PciIrqType.class)));
        fails(Errno.EINVAL, "allocIrqVectors of no type", () -> d.allocIrqVectors(1, 1, Set.of()));
        // pci-testdev has no interrupt pin, no MSI, no MSI-X
        fails(Errno.ENOSPC, "allocIrqVectors on pci-testdev", () -> d.allocIrqVectors(1, 1, EnumSet.allOf(PciIrqType.class)));
        fails(Errno.EINVAL, "requestIrq still without vectors", () -> d.requestIrq(0, "x", v -> { }));
        assertEquals(before, state());

        // edu: edu_sample holds one vector with its handler
        PciDevice edu = pci.device(EDU).orElseThrow();
        String msg = fails(Errno.EINVAL, "requestIrq(1) of edu", () -> edu.requestIrq(1, "x", v -> { }));
        assertTrue(msg, msg.contains("vector 1 is not allocated"));
        fails(Errno.EINVAL, "requestIrq(-1) of edu", () -> edu.requestIrq(-1, "x", v -> { }));
        fails(Errno.EINVAL, "requestIrq(32) of edu", () -> edu.requestIrq(32, "x", v -> { }));
        fails(Errno.EBUSY, "requestIrq(0) of edu", () -> edu.requestIrq(0, "x", v -> { }));
        fails(Errno.EINVAL, "allocIrqVectors again on edu", () -> edu.allocIrqVectors(1, 1, EnumSet.of(PciIrqType.MSI)));
        assertEquals(before, state());
        // edu_sample's handler still gets edu's interrupts
        String out = shell("samples:edu " + EDU);
        assertTrue(out, out.contains("PASS factorial: 12! = 479001600, completion interrupt 0x1"));
        assertEquals(before, state());
    }

    // ---------------------------------------------------------------- new_id / remove_id

    @Test
    public void malformedNewIdGetsTheKernelsErrnoAndChangesNoIds() throws Exception {
        State before = state();
        assertEquals(List.of(), pci.dynamicIds(EDU_SAMPLE));
        String[][] cases = {
            // fewer than two hex fields
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"\""},
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"   \""},
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"1234\""},
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"zz 11e8\""},
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"1234 zz\""},
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"-1234 11e8\""},
            {"EINVAL", "fewer than 2 hex fields", "pci:new_id " + EDU_SAMPLE + " \"1234,11e8\""},
            // a driver_data that no entry of the static table carries
            {"EINVAL", "driver_data 0x1 ", "pci:new_id " + EDU_SAMPLE + " \"1234 11e9 ffffffff ffffffff 0 0 1\""},
            {"EINVAL", "driver_data 0xdead ", "pci:new_id " + EDU_SAMPLE + " \"1234 11e9 ffffffff ffffffff 0 0 dead\""},
            // ids the driver already matches (fewer than seven fields)
            {"EEXIST", "already matched", "pci:new_id " + EDU_SAMPLE + " \"1234 11e8\""},
            {"EEXIST", "already matched", "pci:new_id " + EDU_SAMPLE + " \"0x1234 0x11e8\""},
            {"EEXIST", "already matched", "pci:new_id " + EDU_SAMPLE + " \"1234 11e8 1af4 1100\""},
            {"EEXIST", "already matched", "pci:new_id " + EDU_SAMPLE + " \"1234 11e8 1af4 1100 ff00 ffffff\""},
            // no such driver
            {"ENOENT", "no PCI driver named nosuch", "pci:new_id nosuch \"1234 11e9\""},
            {"ENOENT", "no PCI driver named " + AUX_DRIVER, "pci:new_id " + AUX_DRIVER + " \"1234 11e9\""},
            // remove_id: too few fields, no equal id, no such driver
            {"EINVAL", "fewer than 2 hex fields", "pci:remove_id " + EDU_SAMPLE + " \"1234\""},
            {"EINVAL", "fewer than 2 hex fields", "pci:remove_id " + EDU_SAMPLE + " \"\""},
            {"ENODEV", "no dynamic id equals '1234 11e8'", "pci:remove_id " + EDU_SAMPLE + " \"1234 11e8\""},
            {"ENOENT", "no PCI driver named nosuch", "pci:remove_id nosuch \"1234 11e9\""},
        };
        for (String[] c : cases) {
            shellFails(Errno.valueOf(c[0]), c[1], c[2]);
            assertEquals(c[2] + " changed the dynamic ids", List.of(), pci.dynamicIds(EDU_SAMPLE));
            assertEquals(c[2] + " changed the bus", before, state());
        }
        for (String d : List.of(RUST_DRIVER_PCI, AUX_PARENT, HoldingDriver.NAME)) {
            assertEquals(d, List.of(), pci.dynamicIds(d));
        }

        // a well-formed one is accepted, listed, and removed again
        String added = shell("pci:new_id " + EDU_SAMPLE + " \"1234 11e9\"");
        assertEquals(EDU_SAMPLE + ": dynamic ids\n\t1234 11e9 ffffffff ffffffff 000000 000000 0", added);
        assertEquals(List.of(new PciDeviceId(0x1234, 0x11e9, PciDeviceId.PCI_ANY_ID, PciDeviceId.PCI_ANY_ID, 0, 0, 0,
                false)), pci.dynamicIds(EDU_SAMPLE));
        // now it matches 1234:11e9 too: the same id again is EEXIST and changes nothing
        shellFails(Errno.EEXIST, "already matched", "pci:new_id " + EDU_SAMPLE + " \"1234 11e9\"");
        assertEquals(1, pci.dynamicIds(EDU_SAMPLE).size());
        assertEquals(EDU_SAMPLE + ": no dynamic ids", shell("pci:remove_id " + EDU_SAMPLE + " \"1234 11e9\""));
        assertEquals(List.of(), pci.dynamicIds(EDU_SAMPLE));
        assertEquals(before, state());
    }

    /**
     * The other side of new_id: a well-formed id binds every unbound device it lets the driver
     * match ({@code driver_attach}), even with autoprobe off; remove_id unbinds nothing.
     */
    @Test
    public void aWellFormedNewIdBindsTheUnboundDevicesItMatches() throws Exception {
        String slot = "0000:00:1c.0";
        pciBus().setAutoprobe(false);
        try {
            createDevice(SIM0, "00:1c.0", MODEL_EDU, null, null);
            await(slot + " is added", () -> pciBus().device(slot).isPresent(), this::bindings);
            settle();
            assertEquals("autoprobe is off", "-", driverOf(pciBus(), slot));

            String out = shell("pci:new_id " + HoldingDriver.NAME + " \"1234 11e8\"");
            assertEquals(HoldingDriver.NAME + ": dynamic ids\n\t1234 11e8 ffffffff ffffffff 000000 000000 0", out);
            settle();
            assertEquals("new_id attached the driver", HoldingDriver.NAME, driverOf(pciBus(), slot));
            assertEquals("the bound edus stay where they are", EDU_SAMPLE, driverOf(pciBus(), EDU));
            assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForDevice(slot));
            assertTrue(pciBus().why(slot).toString(), pciBus().why(slot).toString().contains("dynamic id"));

            assertEquals(HoldingDriver.NAME + ": no dynamic ids",
                    shell("pci:remove_id " + HoldingDriver.NAME + " \"1234 11e8\""));
            settle();
            assertEquals("remove_id does not unbind", HoldingDriver.NAME, driverOf(pciBus(), slot));
        } finally {
            pciBus().setAutoprobe(true);
        }
    }

    // ---------------------------------------------------------------- helpers

    /** A BAR access and what it is, for messages. */
    private record BarAccess(String op, long offset, Consumer<Bar> access) {
    }

    /** The first 16 bytes of pci-testdev's BAR0: TEST, WIDTH, OFFSET, DATA, COUNT. */
    private static byte[] header(Bar bar) {
        byte[] h = new byte[16];
        for (int i = 0; i < h.length; i++) {
            h[i] = (byte) bar.read8(i);
        }
        return h;
    }

    /** @return the config space of a function, as the listing snapshot reads it */
    private byte[] config(String slot) {
        for (PciDeviceInfo i : pci.devices()) {
            if (i.name().equals(slot)) {
                return i.config();
            }
        }
        throw new AssertionError("no " + slot + " in the listing");
    }

    /** What a refused operation must not change: bindings and every device's devres. */
    private record State(Map<String, String> bindings, Map<String, Integer> devres, int total) {
    }

    private State state() {
        return new State(bindings(), core.devres().liveByDevice(), core.devres().liveTotal());
    }

    private static void hwFails(String errno, Runnable code) {
        try {
            code.run();
        } catch (HwException e) {
            assertEquals(e.getMessage(), errno, e.errno());
            assertTrue(e.getMessage(), e.getMessage().startsWith(errno + ": "));
            return;
        }
        fail("should fail with " + errno);
    }
}
