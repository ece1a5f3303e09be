package org.nova.it;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.List;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.nova.driver.DriverCore;
import org.nova.driver.Uevent;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.ProbeBuilder;
import org.ops4j.pax.exam.TestProbeBuilder;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.service.event.Event;

/** Uevents on Event Admin: ADD, BIND, UNBIND, REMOVE in order, with the bus's MODALIAS. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UeventIT extends TestBusSupport {
    private UeventRecorder uevents;

    @Configuration
    public Option[] config() {
        return new Option[] { NovaOptions.driverModel(), NovaOptions.testBus(),
                NovaOptions.testBundle(TestBundles.ALPHA_1), NovaOptions.testBundle(TestBundles.BETA) };
    }

    @ProbeBuilder
    public TestProbeBuilder probe(TestProbeBuilder probe) {
        return NovaOptions.probe(probe);
    }

    @Before
    public void record() {
        uevents = UeventRecorder.open(context);
    }

    @After
    public void stopRecording() {
        control.removeAll();
        settle();
        uevents.close();
        assertEquals(0, core.devres().liveTotal());
    }

    @Test
    public void aDevicesLifeInUevents() {
        String dev = "widget7";
        control.add(dev, "widget");
        awaitDriver(dev, "alpha");
        bus().unbind(dev);
        bus().bind(dev, "beta");
        control.remove(dev);
        uevents.awaitLast(dev, "REMOVE");
        // one BIND per bind, also with test_remove (its extra remove and probe are not a bind)
        assertEquals(List.of("ADD", "BIND alpha", "UNBIND alpha", "BIND beta", "UNBIND beta", "REMOVE"),
                uevents.actions(dev));

        List<Event> events = uevents.of(dev);
        long seq = 0;
        for (Event e : events) {
            String action = (String) e.getProperty(Uevent.ACTION);
            assertEquals(Uevent.TOPIC_PREFIX + action, e.getTopic());
            assertEquals("testbus:widget", e.getProperty(Uevent.MODALIAS));
            assertEquals("testbus", e.getProperty(Uevent.SUBSYSTEM));
            assertEquals("/devices/" + dev, e.getProperty(Uevent.DEVPATH));
            assertEquals(dev, e.getProperty(Uevent.DEVICE));
            if (action.equals("ADD") || action.equals("REMOVE")) {
                assertNull(action + " names no driver", e.getProperty(Uevent.DRIVER));
            }
            long s = Long.parseLong((String) e.getProperty(Uevent.SEQNUM));
            assertTrue("SEQNUM increases: " + s + " after " + seq, s > seq);
            seq = s;
        }

        // the core's own record (drv:monitor) agrees with what Event Admin delivered
        List<DriverCore.UeventRecord> recent = core.recentUevents().stream().filter(r -> r.device().equals(dev))
                .toList();
        assertEquals(events.size(), recent.size());
        for (int i = 0; i < recent.size(); i++) {
            assertEquals(events.get(i).getProperty(Uevent.SEQNUM), Long.toString(recent.get(i).seqnum()));
            assertEquals(events.get(i).getProperty(Uevent.ACTION), recent.get(i).action().name());
            assertEquals("testbus", recent.get(i).bus());
            assertEquals("testbus:widget", recent.get(i).env().get(Uevent.MODALIAS));
        }
    }

    @Test
    public void removingABoundDeviceUnbindsItFirst() {
        String dev = "widget8";
        control.add(dev, "widget");
        awaitDriver(dev, "alpha");
        control.remove(dev);
        uevents.awaitLast(dev, "REMOVE");
        assertEquals(List.of("ADD", "BIND alpha", "UNBIND alpha", "REMOVE"), uevents.actions(dev));
    }

    @Test
    public void aDeviceNoDriverMatchesOnlyComesAndGoes() {
        String dev = "thing0";
        control.add(dev, "thing");
        settle();
        assertEquals("-", driverOf(dev));
        control.remove(dev);
        uevents.awaitLast(dev, "REMOVE");
        assertEquals(List.of("ADD", "REMOVE"), uevents.actions(dev));
        assertEquals("testbus:thing", uevents.of(dev).get(0).getProperty(Uevent.MODALIAS));
    }
}
