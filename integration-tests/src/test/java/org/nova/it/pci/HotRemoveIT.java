package org.nova.it.pci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
import java.util.Map;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.bus.pci.Bar;
import org.nova.bus.pci.PciDeviceId;
import org.nova.driver.Device;
import org.nova.devres.Devres;
import org.nova.devres.DevresEntry;
import org.nova.devres.Revocable;
import org.nova.devres.RevokedException;
import org.nova.driver.DriverException;
import org.nova.driver.Errno;
import org.nova.hw.pci.PciAddress;
import org.nova.it.NovaOptions;
import org.nova.it.Uevents;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * A device removed (or unbound) while its driver holds a mapped BAR: the driver's Devres is
 * revoked, its next access reports revoked (RevokedException, ENXIO) without reaching the device,
 * and every devres of the binding is released — the kernel's Devres&lt;Bar&gt; guarantee.
 *
 * <p>The device is a pci-testdev hot-added at 00:1d.0 of sim0 through a device configuration,
 * strapped with subsystem ids that only the test's {@link HoldingDriver} claims.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotRemoveIT extends PciItSupport {
    /** A slot the default platform leaves free. */
    private static final String SLOT = "0000:00:1d.0";

    private final HoldingDriver<HoldingDriver.Bound> driver = new HoldingDriver<>(HoldingDriver.Bound::new);
    private org.osgi.service.cm.Configuration deviceConfig;

    @Configuration
    public Option[] config() {
        return options();
    }

    @Before
    public void bindTheHoldingDriver() throws Exception {
        awaitSamplesBound();
        registerDriver(driver);
        deviceConfig = createDevice(SIM0, "00:1d.0", MODEL_TESTDEV, HoldingDriver.SUBSYSTEM_VENDOR,
                HoldingDriver.SUBSYSTEM_DEVICE);
        await(SLOT + " is bound to " + HoldingDriver.NAME,
                () -> driverOf(pciBus(), SLOT).equals(HoldingDriver.NAME), () -> driverOf(pciBus(), SLOT));
        settle();
        int probes = NovaOptions.testRemove() ? 2 : 1;
        assertEquals("probes of the first binding (test_remove probes twice)", probes, driver.probes.get());
        assertEquals(probes - 1, driver.unbinds.get());
        assertBindingDevres();
    }

    /** The binding holds exactly its driver-data action, the enable and BAR0, under its labels. */
    private void assertBindingDevres() {
        Device d = pciBus().device(SLOT).orElseThrow();
        List<String> names = d.devres().entries().stream().map(DevresEntry::name).toList();
        assertEquals(names.toString(), List.of("pci:driver-data", "pci:enable", "pci:bar0"), names);
        assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForDevice(SLOT));
        assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForDriver(HoldingDriver.NAME));
        assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForBundle(probeBundle()));
    }

    @Test
    public void hotRemoveRevokesTheHeldBarAndReleasesEverything() throws Exception {
        Devres<Bar> devres = driver.bar(SLOT);
        Bar leaked;
        int offset;
        int data;
        try (Revocable.Guard<Bar> g = devres.access()) {
            Bar bar = g.get();
            assertEquals(HoldingDriver.BAR0_SIZE, bar.size());
            bar.write8(HoldingDriver.TEST, 0);
            offset = bar.read32(HoldingDriver.OFFSET);
            data = bar.read8(HoldingDriver.DATA);
            bar.write8(offset, data);
            assertEquals("pci-testdev counted the driver's hit", 1, bar.read32(HoldingDriver.COUNT));
            // a driver that (wrongly) keeps the Bar beyond its guard
            leaked = bar;
        }
        Device device = pciBus().device(SLOT).orElseThrow();
        int unbindsBefore = driver.unbinds.get();

        try (Uevents uevents = new Uevents(context)) {
            deviceConfig.delete(); // SimDeviceComponent hot-removes the function
            uevents.awaitTail(SLOT, List.of("UNBIND " + HoldingDriver.NAME, "REMOVE"));
            settle();
        }

        assertTrue("the device is dead", device.isDead());
        assertTrue(pciBus().device(SLOT).isEmpty());
        assertTrue(pci.device(SLOT).isEmpty());
        assertTrue("the function left the bridge", bridge(SIM0).function(PciAddress.parse(SLOT)).isEmpty());
        assertEquals("the driver's unbind ran", unbindsBefore + 1, driver.unbinds.get());

        // the Devres the driver holds is revoked: no guard, RevokedException (ENXIO)
        assertTrue(devres.isRevoked());
        assertTrue(devres.tryAccess().isEmpty());
        try (Revocable.Guard<Bar> g = devres.access()) {
            fail("access to the BAR of a removed device was granted: " + g.get());
        } catch (RevokedException e) {
            assertEquals(Errno.ENXIO, DriverException.errnoOf(e));
            assertTrue(e.getMessage(), e.getMessage().contains("pci:bar0"));
        }
        // and the Bar kept beyond its guard refuses by itself, before reaching the backend (a
        // refusal from the backend would carry the backend's ENODEV as its cause)
        assertTrue(leaked.isRevoked());
        assertRefusedLocally(() -> leaked.write8(offset, data));
        assertRefusedLocally(() -> leaked.read32(HoldingDriver.COUNT));
        assertRefusedLocally(() -> leaked.write32(0, 0));
        assertRefusedLocally(() -> leaked.read64(0));

        assertNoDevres(SLOT, HoldingDriver.NAME, probeBundle());
        assertEquals(0, device.devres().liveCount());
        awaitSamplesBound(); // the rest of the platform did not notice

        // the same slot plugged again: a new device, a new binding, a new mapping; the old stays dead
        createDevice(SIM0, "00:1d.0", MODEL_TESTDEV, HoldingDriver.SUBSYSTEM_VENDOR, HoldingDriver.SUBSYSTEM_DEVICE);
        awaitBindings(Map.of("pci:" + SLOT, HoldingDriver.NAME));
        Devres<Bar> fresh = driver.bar(SLOT);
        assertFalse(fresh == devres);
        assertTrue(devres.isRevoked());
        assertRefusedLocally(() -> leaked.read8(HoldingDriver.TEST));
        try (Revocable.Guard<Bar> g = fresh.access()) {
            assertEquals("a new device starts with no hits", 0, g.get().read32(HoldingDriver.COUNT));
        }
        assertBindingDevres();
    }

    @Test
    public void unbindRevokesTheHeldBarAndTheDeviceNeverSeesTheAccess() throws Exception {
        Devres<Bar> first = driver.bar(SLOT);
        Bar leaked;
        int offset;
        int data;
        try (Revocable.Guard<Bar> g = first.access()) {
            Bar bar = g.get();
            bar.write8(HoldingDriver.TEST, 0); // selects the no-eventfd test; COUNT starts at 0
            offset = bar.read32(HoldingDriver.OFFSET);
            data = bar.read8(HoldingDriver.DATA);
            bar.write8(offset, data);
            assertEquals(1, bar.read32(HoldingDriver.COUNT));
            leaked = bar;
        }

        pciBus().unbind(SLOT);
        settle();
        assertEquals("manual unbind does not reprobe", "-", driverOf(pciBus(), SLOT));
        assertTrue(first.isRevoked());
        assertNoDevres(SLOT, HoldingDriver.NAME, probeBundle());
        // the hit the leaked Bar tries must not reach the device
        assertRefusedLocally(() -> leaked.write8(offset, data));
        assertRefusedLocally(() -> leaked.write8(HoldingDriver.TEST, 1));

        pciBus().bind(SLOT, HoldingDriver.NAME);
        settle();
        assertBindingDevres();
        Devres<Bar> second = driver.bar(SLOT);
        assertFalse(second.isRevoked());
        try (Revocable.Guard<Bar> g = second.access()) {
            assertEquals("the device saw neither the refused hit nor the refused test selection", 1,
                    g.get().read32(HoldingDriver.COUNT));
            assertEquals(0, g.get().read8(HoldingDriver.TEST));
        }
        assertTrue("the old Devres stays revoked", first.isRevoked());
    }

    @Test
    public void theDriverClosingItsBarEarlyReleasesOnlyThatEntry() throws Exception {
        Devres<Bar> bar = driver.bar(SLOT);
        bar.close(); // the Rust drop: off the devres list, revoked, unmapped
        assertTrue(bar.isRevoked());
        assertEquals(HoldingDriver.DEVRES_PER_BINDING - 1, core.devres().liveForDevice(SLOT));
        // the claim went with the mapping: the BAR can be mapped again by the bound driver
        Devres<Bar> again = pci.device(SLOT).orElseThrow().iomapRegion(0, "again");
        try (Revocable.Guard<Bar> g = again.access()) {
            assertEquals(HoldingDriver.BAR0_SIZE, g.get().size());
        }
        assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForDevice(SLOT));
        deviceConfig.delete();
        await(SLOT + " is gone", () -> pciBus().device(SLOT).isEmpty(), () -> driverOf(pciBus(), SLOT));
        settle();
        assertTrue(again.isRevoked());
        assertNoDevres(SLOT, HoldingDriver.NAME, probeBundle());
    }

    @Test
    public void removalWaitsForAnAccessInFlight() throws Exception {
        Devres<Bar> devres = driver.bar(SLOT);
        Device device = pciBus().device(SLOT).orElseThrow();
        int unbinds = driver.unbinds.get();
        Revocable.Guard<Bar> guard = devres.access();
        try {
            guard.get().write8(HoldingDriver.TEST, 0);
            deviceConfig.delete();
            // the removal runs the driver's unbind, then releases the devres newest first: BAR0 first,
            // whose revocation must wait for this guard
            await("the driver's unbind ran", () -> driver.unbinds.get() > unbinds, driver.unbinds::get);
            await("BAR0's revocation started", devres::isRevoked, devres::toString);
            assertTrue("a new access is refused while the revocation waits", devres.tryAccess().isEmpty());
            assertTrue("the rest of the binding is released only after BAR0: " + device.devres().entries(),
                    device.devres().entries().stream().anyMatch(e -> e.name().equals("pci:enable")));
            assertFalse("the guard's Bar is not unmapped under it", guard.get().isRevoked());
            // the function itself is gone: the access in flight reaches a removed device, which
            // reports it, and nothing else
            try {
                guard.get().read32(HoldingDriver.COUNT);
            } catch (RevokedException gone) {
                assertEquals(Errno.ENXIO, DriverException.errnoOf(gone));
            }
        } finally {
            guard.close();
        }
        await(SLOT + " is removed", () -> pciBus().device(SLOT).isEmpty() && device.isDead(),
                () -> device.devres().entries());
        settle();
        assertNoDevres(SLOT, HoldingDriver.NAME, probeBundle());
    }

    /**
     * A Rust driver keeps its {@code Devres<Bar>} in its driver data, which is dropped after the
     * devres callbacks: here the bus closes AutoCloseable driver data after the binding's devres,
     * so the Devres is closed after it was already released. That must be a no-op.
     */
    @Test
    public void aDevresKeptAsDriverDataIsClosedOnceAfterTheRelease() throws Exception {
        HoldingDriver<Devres<Bar>> rust = new HoldingDriver<>((slot, bar) -> bar) {
            @Override
            public String name() {
                return "it_devres_as_data";
            }

            @Override
            public List<PciDeviceId> idTable() {
                return List.of(PciDeviceId.of(VENDOR_EDU, DEVICE_EDU).asOverrideOnly());
            }
        };
        registerDriver(rust);
        String slot = "0000:00:1e.0";
        createDevice(SIM0, "00:1e.0", MODEL_EDU, null, null);
        awaitBindings(Map.of("pci:" + slot, EDU_SAMPLE));
        // drv override + bind, as a user moves a device to another driver
        shell("drv:unbind pci " + slot);
        shell("drv:override pci " + slot + " it_devres_as_data");
        assertEquals(slot + " bound to it_devres_as_data\n", shell("drv:bind pci " + slot + " it_devres_as_data"));
        settle();
        Devres<Bar> bar = rust.bar(slot);
        assertFalse(bar.isRevoked());
        assertEquals(HoldingDriver.DEVRES_PER_BINDING, core.devres().liveForDevice(slot));

        pciBus().unbind(slot);
        settle();
        assertTrue(bar.isRevoked());
        assertNoDevres(slot, "it_devres_as_data", null);
        bar.close(); // the driver's own drop, later still: nothing happens
        assertNoDevres(slot, "it_devres_as_data", null);
        // with the override still naming it, only the override's driver may bind
        pciBus().probe(slot);
        awaitBindings(Map.of("pci:" + slot, "it_devres_as_data"));
        pciBus().setDriverOverride(slot, "");
        pciBus().unbind(slot);
        pciBus().probe(slot);
        awaitBindings(Map.of("pci:" + slot, EDU_SAMPLE));
    }

    /** The access must fail with RevokedException raised by the Bar itself, not by the backend. */
    private static void assertRefusedLocally(Runnable access) {
        try {
            access.run();
            fail("an access through a revoked Bar succeeded");
        } catch (RevokedException e) {
            assertNull("the refusal came from the backend, so the access reached it: " + e.getCause(), e.getCause());
        }
    }
}
