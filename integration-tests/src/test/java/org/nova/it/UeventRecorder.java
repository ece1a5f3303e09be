package org.nova.it;

import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.nova.driver.Uevent;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/** An Event Admin handler on {@value Uevent#TOPIC_ALL}: the uevents as a listener sees them. */
public final class UeventRecorder implements EventHandler, AutoCloseable {
    private final List<Event> events = new ArrayList<>();
    private final ServiceRegistration<EventHandler> registration;

    private UeventRecorder(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, Uevent.TOPIC_ALL);
        registration = context.registerService(EventHandler.class, this, props);
    }

    /** Starts recording. */
    public static UeventRecorder open(BundleContext context) {
        return new UeventRecorder(context);
    }

    @Override
    public void handleEvent(Event event) {
        synchronized (events) {
            events.add(event);
        }
    }

    /** @return every event so far, in arrival order */
    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** @return the events of one device, in arrival order */
    public List<Event> of(String device) {
        return events().stream().filter(e -> device.equals(e.getProperty(Uevent.DEVICE))).toList();
    }

    /** @return the actions of one device's events, in arrival order, as "BIND alpha" for (UN)BIND */
    public List<String> actions(String device) {
        List<String> out = new ArrayList<>();
        for (Event e : of(device)) {
            Object driver = e.getProperty(Uevent.DRIVER);
            out.add(e.getProperty(Uevent.ACTION) + (driver == null ? "" : " " + driver));
        }
        return out;
    }

    /** Waits until the device's actions end with {@code last}. */
    public void awaitLast(String device, String last) {
        Await.until(device + "'s latest uevent is " + last, () -> {
            List<String> a = actions(device);
            return !a.isEmpty() && a.get(a.size() - 1).equals(last);
        }, () -> actions(device));
    }

    /** Waits until the device has at least {@code n} events. */
    public void awaitCount(String device, int n) {
        Await.until(device + " has " + n + " uevents", () -> of(device).size() >= n, () -> actions(device));
    }

    /** Forgets what was recorded. */
    public void clear() {
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
