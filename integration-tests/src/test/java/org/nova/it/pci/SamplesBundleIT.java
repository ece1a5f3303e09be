package org.nova.it.pci;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.Device;
import org.nova.it.Uevents;
import org.osgi.framework.Bundle;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * rmmod / insmod of the samples: stopping the samples bundle unbinds every sample device and
 * releases all their devres before the stop returns, the auxiliary devices going before their
 * parent finishes unbinding; starting it again binds them all again, holding what they held.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SamplesBundleIT extends PciItSupport {
    private static final List<String> SAMPLE_DRIVERS = List.of(RUST_DRIVER_PCI, EDU_SAMPLE, AUX_PARENT, AUX_DRIVER);

    @Configuration
    public Option[] config() {
        return options();
    }

    @Before
    public void samplesBound() throws Exception {
        Bundle samples = bundle(SAMPLES_BUNDLE);
        if (samples.getState() != Bundle.ACTIVE) {
            samples.start();
        }
        awaitSamplesBound();
    }

    @Test
    public void stopUnbindsAndReleasesEverythingAndStartBindsAgain() throws Exception {
        Map<String, String> bindings = bindings();
        Map<String, Integer> byDevice = core.devres().liveByDevice();
        int total = core.devres().liveTotal();
        int bundleDevres = core.devres().liveForBundle(SAMPLES_BUNDLE);
        int sampleDevices = 0;
        for (String d : List.of(TESTDEV, EDU, TESTDEV_AUX, AUX0, AUX1)) {
            assertTrue(d + " holds devres " + byDevice, byDevice.getOrDefault(d, 0) > 0);
            sampleDevices += byDevice.get(d);
        }
        assertEquals("the samples' devres are their devices'", sampleDevices, bundleDevres);
        Device parent = pciBus().device(TESTDEV_AUX).orElseThrow();
        assertEquals(2, parent.children().size());

        Bundle samples = bundle(SAMPLES_BUNDLE);
        try (Uevents uevents = new Uevents(context)) {
            samples.stop();
            // synchronous: by the time stop returns, every binding is gone and released
            Map<String, String> expected = new TreeMap<>(bindings);
            expected.put("pci:" + TESTDEV, "-");
            expected.put("pci:" + EDU, "-");
            expected.put("pci:" + TESTDEV_AUX, "-");
            expected.remove(AUXILIARY + ":" + AUX0);
            expected.remove(AUXILIARY + ":" + AUX1);
            assertEquals("right after stop", expected, bindings());
            assertEquals(core.devres().liveByBundle().toString(), 0, core.devres().liveForBundle(SAMPLES_BUNDLE));
            for (String d : SAMPLE_DRIVERS) {
                assertEquals(d, 0, core.devres().liveForDriver(d));
            }
            for (String d : List.of(TESTDEV, EDU, TESTDEV_AUX, AUX0, AUX1)) {
                assertEquals(d, 0, core.devres().liveForDevice(d));
            }
            assertEquals(core.devres().liveByDevice().toString(), total - bundleDevres, core.devres().liveTotal());
            assertTrue(auxBus().device(AUX0).isEmpty());
            assertTrue(auxBus().device(AUX1).isEmpty());
            assertEquals(List.of(), parent.children());
            for (String d : SAMPLE_DRIVERS) {
                assertFalse(d + " is still registered", pciBus().driver(d).isPresent() || auxBus().driver(d).isPresent());
            }

            uevents.awaitTail(TESTDEV, List.of("UNBIND " + RUST_DRIVER_PCI));
            uevents.awaitTail(EDU, List.of("UNBIND " + EDU_SAMPLE));
            uevents.awaitAction(TESTDEV_AUX, "UNBIND " + AUX_PARENT);
            uevents.awaitTail(AUX0, List.of("UNBIND " + AUX_DRIVER, "REMOVE"));
            uevents.awaitTail(AUX1, List.of("UNBIND " + AUX_DRIVER, "REMOVE"));
            long parentUnbind = uevents.lastOf(TESTDEV_AUX, "UNBIND " + AUX_PARENT).seqnum();
            for (String aux : List.of(AUX0, AUX1)) {
                assertTrue(aux + " is gone before its parent finishes unbinding: " + uevents.all(),
                        uevents.last(aux, "REMOVE").seqnum() < parentUnbind);
            }
            // the PCI devices stay (unbound)
            for (String d : List.of(TESTDEV, EDU, TESTDEV_AUX)) {
                assertFalse(d + " was removed", uevents.actions(d).contains("REMOVE"));
            }
            settle();
            assertEquals("nothing rebinds the devices", expected, bindings());

            samples.start();
            awaitSamplesBound();
            assertEquals("each device holds what it held before", byDevice, core.devres().liveByDevice());
            assertEquals(bindings, bindings());
            assertEquals(bundleDevres, core.devres().liveForBundle(SAMPLES_BUNDLE));
            uevents.awaitTail(TESTDEV, List.of("BIND " + RUST_DRIVER_PCI));
            uevents.awaitTail(AUX0, List.of("ADD", "BIND " + AUX_DRIVER));
            String status = shell("samples:status");
            assertTrue(status, status.contains(RUST_DRIVER_PCI + " " + TESTDEV + ": test 0 offset 0x800 data 0xfa "
                    + "data-match count 1"));
            assertTrue(status, status.contains(AUX1 + ": parent " + TESTDEV_AUX + " 1b36:0005 data index 1"));
        }
    }

    /**
     * While the samples bundle stops, its drivers go one by one; a device one of them lets go of
     * must not be offered to another driver of the same stopping bundle (a probe whose only
     * outcome is to be undone a moment later, touching the hardware for nothing).
     */
    @Test
    public void noDeviceIsProbedByADriverOfTheStoppingBundle() throws Exception {
        Bundle samples = bundle(SAMPLES_BUNDLE);
        try (Uevents uevents = new Uevents(context)) {
            samples.stop();
            settle();
            for (String d : List.of(TESTDEV, EDU, TESTDEV_AUX)) {
                uevents.awaitAction(d, "UNBIND " + SAMPLE_BINDINGS.get("pci:" + d));
            }
            // the stop's events start with its first UNBIND (an older BIND delivered late is not one)
            long start = uevents.all().stream().filter(u -> u.action().equals("UNBIND")).mapToLong(Uevents.U::seqnum)
                    .min().orElseThrow();
            List<Uevents.U> binds = uevents.all().stream().filter(u -> u.action().equals("BIND") && u.seqnum() > start)
                    .toList();
            assertEquals("BIND uevents while " + SAMPLES_BUNDLE + " was stopping: " + uevents.all(), List.of(), binds);
        } finally {
            samples.start();
        }
        awaitSamplesBound();
    }

    @Test
    public void unbindingTheParentTakesItsAuxiliaryDevicesFirst() throws Exception {
        int parentDevres = core.devres().liveForDevice(TESTDEV_AUX);
        try (Uevents uevents = new Uevents(context)) {
            pciBus().unbind(TESTDEV_AUX);
            assertEquals("-", driverOf(pciBus(), TESTDEV_AUX));
            assertTrue(auxBus().device(AUX0).isEmpty());
            assertTrue(auxBus().device(AUX1).isEmpty());
            assertEquals(0, core.devres().liveForDevice(TESTDEV_AUX));
            assertEquals(0, core.devres().liveForDriver(AUX_DRIVER));
            assertEquals(0, core.devres().liveForDriver(AUX_PARENT));
            uevents.awaitTail(TESTDEV_AUX, List.of("UNBIND " + AUX_PARENT));
            uevents.awaitTail(AUX1, List.of("UNBIND " + AUX_DRIVER, "REMOVE"));
            long parentUnbind = uevents.lastOf(TESTDEV_AUX, "UNBIND " + AUX_PARENT).seqnum();
            assertTrue(uevents.all().toString(), uevents.last(AUX0, "REMOVE").seqnum() < parentUnbind);
            assertTrue(uevents.all().toString(), uevents.last(AUX1, "REMOVE").seqnum() < parentUnbind);
            // the sample keeps no state of the gone auxiliary devices
            assertFalse(shell("samples:status").contains(AUX0));

            pciBus().bind(TESTDEV_AUX, AUX_PARENT);
            awaitSamplesBound();
            assertEquals(parentDevres, core.devres().liveForDevice(TESTDEV_AUX));
        }
    }
}
