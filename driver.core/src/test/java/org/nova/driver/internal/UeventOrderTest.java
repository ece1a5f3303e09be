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

    private List<UeventRecord> changesSince(int index) {
        List<Delivered> all = List.copyOf(delivered);
        return all.subList(index, all.size()).stream().map(Delivered::rec)
                .filter(r -> r.action() == Uevent.Action.CHANGE).toList();
    }
}
