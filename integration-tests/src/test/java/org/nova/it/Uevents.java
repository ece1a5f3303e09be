package org.nova.it;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

import org.nova.driver.Uevent;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

/**
 * An Event Admin handler on {@value Uevent#TOPIC_ALL}: the uevents as a listener sees them,
 * ordered by their SEQNUM (Event Admin delivers asynchronously, so arrival order is not the
 * order the core emitted them in). {@link #await(String, String, String, String, long)} waits on
 * a condition the handler signals.
 */
public final class Uevents implements EventHandler, AutoCloseable {
    /** One uevent: its sequence number, action, bus, device and driver (null for ADD/REMOVE). */
    public record U(long seqnum, String action, String bus, String device, String driver) {
        @Override
        public String toString() {
            return seqnum + " " + action + " " + bus + ":" + device + (driver == null ? "" : " " + driver);
        }
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final List<U> events = new ArrayList<>();
    private final ServiceRegistration<EventHandler> registration;

    /** Starts recording (an Event Admin handler registered with {@code context}). */
    public Uevents(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(EventConstants.EVENT_TOPIC, Uevent.TOPIC_ALL);
        registration = context.registerService(EventHandler.class, this, props);
    }

    @Override
    public void handleEvent(Event e) {
        U u = new U(Long.parseLong(String.valueOf(e.getProperty(Uevent.SEQNUM))),
                String.valueOf(e.getProperty(Uevent.ACTION)), String.valueOf(e.getProperty(Uevent.SUBSYSTEM)),
                String.valueOf(e.getProperty(Uevent.DEVICE)), (String) e.getProperty(Uevent.DRIVER));
        lock.lock();
        try {
            events.add(u);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return every event so far, by SEQNUM */
    public List<U> all() {
        lock.lock();
        try {
            List<U> l = new ArrayList<>(events);
            l.sort(Comparator.comparingLong(U::seqnum));
            return l;
        } finally {
            lock.unlock();
        }
    }

    /** @return the highest SEQNUM received so far (0 if none): later events are after it */
    public long mark() {
        return all().stream().mapToLong(U::seqnum).max().orElse(0);
    }

    /** @return the events with a SEQNUM above {@code after}, by SEQNUM */
    public List<U> since(long after) {
        return all().stream().filter(u -> u.seqnum() > after).toList();
    }

    /** @return "ACTION" or "ACTION driver" of a device's events after {@code after}, by SEQNUM */
    public List<String> actions(String device, long after) {
        return since(after).stream().filter(u -> u.device().equals(device))
                .map(u -> u.action() + (u.driver() == null ? "" : " " + u.driver())).toList();
    }

    /**
     * Waits for the first event (by SEQNUM) after {@code after} of that bus, device, action and
     * driver (null: none), on a condition the handler signals.
     *
     * @return the event
     * @throws AssertionError after {@link Await#TIMEOUT}, listing what arrived
     */
    public U await(String bus, String device, String action, String driver, long after) {
        Predicate<U> p = u -> u.seqnum() > after && u.bus().equals(bus) && u.device().equals(device)
                && u.action().equals(action) && Objects.equals(u.driver(), driver);
        long left = TimeUnit.NANOSECONDS.convert(Await.TIMEOUT);
        lock.lock();
        try {
            while (true) {
                Optional<U> u = events.stream().filter(p).min(Comparator.comparingLong(U::seqnum));
                if (u.isPresent()) {
                    return u.get();
                }
                if (left <= 0) {
                    throw new AssertionError("no uevent " + action + " " + bus + ":" + device
                            + (driver == null ? "" : " " + driver) + " after " + after + " within "
                            + Await.TIMEOUT.toSeconds() + " s; saw " + since(after));
                }
                left = arrived.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for a uevent", e);
        } finally {
            lock.unlock();
        }
    }

    /** @return the events of one device, by SEQNUM */
    public List<U> of(String device) {
        return all().stream().filter(u -> u.device().equals(device)).toList();
    }

    /** @return "ACTION" or "ACTION driver" of one device's events, by SEQNUM */
    public List<String> actions(String device) {
        return of(device).stream().map(u -> u.action() + (u.driver() == null ? "" : " " + u.driver())).toList();
    }

    /**
     * @return the last {@code n} actions of a device, by SEQNUM: robust against earlier events that
     *     Event Admin delivers late
     */
    public List<String> tail(String device, int n) {
        List<String> a = actions(device);
        return a.subList(Math.max(0, a.size() - n), a.size());
    }

    /** @return the last event of a device with that action */
    public U last(String device, String action) {
        List<U> l = of(device).stream().filter(u -> u.action().equals(action)).toList();
        if (l.isEmpty()) {
            throw new AssertionError("no " + action + " uevent of " + device + "; saw " + all());
        }
        return l.get(l.size() - 1);
    }

    /** @return the last event of a device that is "ACTION" or "ACTION driver" as {@link #actions} shows it */
    public U lastOf(String device, String action) {
        List<U> l = of(device).stream()
                .filter(u -> (u.action() + (u.driver() == null ? "" : " " + u.driver())).equals(action)).toList();
        if (l.isEmpty()) {
            throw new AssertionError("no " + action + " uevent of " + device + "; saw " + all());
        }
        return l.get(l.size() - 1);
    }

    /** Waits until a device has had an event that is "ACTION" or "ACTION driver". */
    public void awaitAction(String device, String action) {
        Await.until(device + " has had " + action, () -> actions(device).contains(action),
                () -> actions(device));
    }

    /** @return the first event of a device with that action, if any */
    public U first(String device, String action) {
        return of(device).stream().filter(u -> u.action().equals(action)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + action + " uevent of " + device + "; saw " + all()));
    }

    /** Waits until a device has had an event with that action. */
    public void await(String device, String action) {
        Await.until(device + " has a " + action + " uevent",
                () -> of(device).stream().anyMatch(u -> u.action().equals(action)), () -> actions(device));
    }

    /** Waits until a device's latest events (by SEQNUM) are {@code expected}. */
    public void awaitTail(String device, List<String> expected) {
        Await.until(device + "'s latest uevents are " + expected,
                () -> tail(device, expected.size()).equals(expected), () -> actions(device));
    }

    public void clear() {
        lock.lock();
        try {
            events.clear();
        } finally {
            lock.unlock();
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
