package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverCore.UeventRecord;
import org.nova.driver.Uevent;

/** lib/kobject_uevent.c's promise: events arrive in SEQNUM order, whichever thread emitted them. */
class UeventOrderTest extends CoreTestBase {
    private static final int THREADS = 4;
    private static final int EVENTS_PER_THREAD = 250;

    @Test
    void concurrentEmittersAreDeliveredInSeqnumOrder() throws Exception {
        List<Device> devices = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            devices.add(add("c" + i, "none:none:" + i));
        }
        int before = delivered.size();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (Device d : devices) {
            Thread t = new Thread(() -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int n = 0; n < EVENTS_PER_THREAD; n++) {
                    bus.changed(d, Map.of("N", Integer.toString(n)));
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        int total = THREADS * EVENTS_PER_THREAD;
        // the adds' own uevents may still be arriving: count the CHANGE ones, not every uevent
        await(total + " CHANGE uevents", () -> changesSince(before).size() >= total);
        List<UeventRecord> changes = changesSince(before);
        assertEquals(total, changes.size());
        for (int i = 1; i < changes.size(); i++) {
            assertTrue(changes.get(i - 1).seqnum() < changes.get(i).seqnum(),
                    "delivered out of order: " + changes.get(i - 1).seqnum() + " before " + changes.get(i).seqnum());
            assertEquals(Long.toString(changes.get(i).seqnum()), changes.get(i).env().get(Uevent.SEQNUM));
        }
    }

    @Test
    void eventsEmittedWhileTheDispatcherIsBusyFollowInOneBatchInOrder() throws Exception {
        Device d = add("burst", "none:none:0");
        int before = delivered.size();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sinkHook = r -> {
            if (r.action() == Uevent.Action.CHANGE && "0".equals(r.env().get("N"))) {
                busy.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        bus.changed(d, Map.of("N", "0"));
        assertTrue(busy.await(10, TimeUnit.SECONDS), "the dispatcher took the first event");
        for (int n = 1; n < EVENTS_PER_THREAD; n++) {
            bus.changed(d, Map.of("N", Integer.toString(n)));
        }
        release.countDown();
        await(EVENTS_PER_THREAD + " CHANGE uevents", () -> changesSince(before).size() >= EVENTS_PER_THREAD);
        List<UeventRecord> changes = changesSince(before);
        assertEquals(EVENTS_PER_THREAD, changes.size());
        for (int n = 0; n < changes.size(); n++) {
            assertEquals(Integer.toString(n), changes.get(n).env().get("N"), "the device's events in the order emitted");
        }
    }

    /**
     * A woken dispatcher gathers events before delivering: events emitted a few microseconds
     * apart (a bus adding devices) wake it once per batch, not once per event, and none is held
     * back: a burst past {@link Uevents#BATCH} arrives whole and in order, and a lone event after
     * it arrives without any event following it.
     */
    @Test
    void aBurstWakesTheDispatcherOncePerBatchAndALoneEventStillArrives() {
        Device d = add("paced", "none:none:0");
        await("the add's uevent", () -> ueventsOf("paced").size() >= 1);
        int before = delivered.size();
        long wakeupsBefore = core.uevents.wakeups();
        int events = 4 * Uevents.BATCH + 7;
        for (int n = 0; n < events; n++) {
            bus.changed(d, Map.of("N", Integer.toString(n)));
            // paced like devices being added: ~20 us apart, so that a dispatcher woken for every
            // event would keep up with them one by one
            long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(20);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        await(events + " CHANGE uevents", () -> changesSince(before).size() >= events);
        long wakeups = core.uevents.wakeups() - wakeupsBefore;
        assertTrue(wakeups * 4 < events, wakeups + " dispatcher wake-ups for " + events + " events");
        List<UeventRecord> changes = changesSince(before);
        assertEquals(events, changes.size());
        for (int n = 0; n < events; n++) {
            assertEquals(Integer.toString(n), changes.get(n).env().get("N"), "in the order emitted");
        }
        bus.changed(d, Map.of("N", "lone"));
        await("the lone CHANGE uevent", () -> changesSince(before).size() == events + 1);
        assertEquals("lone", changesSince(before).get(events).env().get("N"));
    }

    private List<UeventRecord> changesSince(int index) {
        List<Delivered> all = List.copyOf(delivered);
        return all.subList(index, all.size()).stream().map(Delivered::rec)
                .filter(r -> r.action() == Uevent.Action.CHANGE).toList();
    }
}
