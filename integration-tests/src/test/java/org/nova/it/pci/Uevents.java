package org.nova.it.pci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.nova.driver.Uevent;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * An Event Admin handler on {@value Uevent#TOPIC_ALL}: the uevents as a listener sees them,
 * ordered by their SEQNUM (Event Admin delivers asynchronously, so arrival order is not the
 * order the core emitted them in).
 */
final class Uevents implements EventHandler, AutoCloseable {
    /** One uevent: its sequence number, action, bus, device and driver (null for ADD/REMOVE). */
    record U(long seqnum, String action, String bus, String device, String driver) {
        @Override
        public String toString() {
            return seqnum + " " + action + " " + bus + ":" + device + (driver == null ? "" : " " + driver);
        }
    }

    private final List<U> events = new ArrayList<>();
    private final ServiceRegistration<EventHandler> registration;

    Uevents(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, Uevent.TOPIC_ALL);
        registration = context.registerService(EventHandler.class, this, props);
    }

    @Override
    public void handleEvent(Event e) {
        U u = new U(Long.parseLong(String.valueOf(e.getProperty(Uevent.SEQNUM))),
                String.valueOf(e.getProperty(Uevent.ACTION)), String.valueOf(e.getProperty(Uevent.SUBSYSTEM)),
                String.valueOf(e.getProperty(Uevent.DEVICE)), (String) e.getProperty(Uevent.DRIVER));
        synchronized (events) {
            events.add(u);
        }
    }

    /** @return every event so far, by SEQNUM */
    List<U> all() {
        synchronized (events) {
            List<U> l = new ArrayList<>(events);
            l.sort(Comparator.comparingLong(U::seqnum));
            return l;
        }
    }

    /** @return the events of one device, by SEQNUM */
    List<U> of(String device) {
        return all().stream().filter(u -> u.device().equals(device)).toList();
    }

    /** @return "ACTION" or "ACTION driver" of one device's events, by SEQNUM */
    List<String> actions(String device) {
        return of(device).stream().map(u -> u.action() + (u.driver() == null ? "" : " " + u.driver())).toList();
    }

    /**
     * @return the last {@code n} actions of a device, by SEQNUM: robust against earlier events that
     *     Event Admin delivers late
     */
    List<String> tail(String device, int n) {
        List<String> a = actions(device);
        return a.subList(Math.max(0, a.size() - n), a.size());
    }

    /** @return the last event of a device with that action */
    U last(String device, String action) {
        List<U> l = of(device).stream().filter(u -> u.action().equals(action)).toList();
        if (l.isEmpty()) {
            throw new AssertionError("no " + action + " uevent of " + device + "; saw " + all());
        }
        return l.get(l.size() - 1);
    }

    /** @return the last event of a device that is "ACTION" or "ACTION driver" as {@link #actions} shows it */
    U lastOf(String device, String action) {
        List<U> l = of(device).stream()
                .filter(u -> (u.action() + (u.driver() == null ? "" : " " + u.driver())).equals(action)).toList();
        if (l.isEmpty()) {
            throw new AssertionError("no " + action + " uevent of " + device + "; saw " + all());
        }
        return l.get(l.size() - 1);
    }

    /** Waits until a device has had an event that is "ACTION" or "ACTION driver". */
    void awaitAction(String device, String action) {
        PciItSupport.await(device + " has had " + action, () -> actions(device).contains(action),
                () -> actions(device));
    }

    /** @return the first event of a device with that action, if any */
    U first(String device, String action) {
        return of(device).stream().filter(u -> u.action().equals(action)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " uevent of " + device + "; saw " + all()));
    }

    /** Waits until a device has had an event with that action. */
    void await(String device, String action) {
        PciItSupport.await(device + " has a " + action + " uevent",
                () -> of(device).stream().anyMatch(u -> u.action().equals(action)), () -> actions(device));
    }

    /** Waits until a device's latest events (by SEQNUM) are {@code expected}. */
    void awaitTail(String device, List<String> expected) {
        PciItSupport.await(device + "'s latest uevents are " + expected,
                () -> tail(device, expected.size()).equals(expected), () -> actions(device));
    }

    void clear() {
        synchronized (events) {
            events.clear();
        }
    }

    @Override
    public void close() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework is stopping
        }
    }
}
