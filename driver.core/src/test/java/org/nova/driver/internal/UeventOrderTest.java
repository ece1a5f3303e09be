package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private List<UeventRecord> changesSince(int index) {
        List<Delivered> all = List.copyOf(delivered);
        return all.subList(index, all.size()).stream().map(Delivered::rec)
                .filter(r -> r.action() == Uevent.Action.CHANGE).toList();
    }
}
