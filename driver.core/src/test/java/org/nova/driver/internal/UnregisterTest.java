package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.DriverRegistration;

/** driver_unregister: unbind latest first, devres released before close returns, then reprobe. */
class UnregisterTest extends CoreTestBase {

    @Test
    void closeUnbindsLatestFirstReleasesDevresThenDevicesReprobe() {
        List<String> released = new CopyOnWriteArrayList<>();
        TestDriver best = TestDriver.of("best", "acme:widget:*").probe((dev, drv) -> {
            dev.devres().add("buf", () -> released.add("buf:" + dev.name()));
            dev.devres().addAction("irq", () -> released.add("irq:" + dev.name()));
            return "best";
        }).onRemove((dev, data) -> released.add("remove:" + dev.name()));
        TestDriver fallback = TestDriver.of("fallback", "acme:*:*");
        DriverRegistration reg = register(best);
        register(fallback);
        for (String n : List.of("d1", "d2", "d3")) {
            assertEquals(Optional.of("best"), add(n, "acme:widget:" + n).driver());
        }
        assertEquals(List.of("d1", "d2", "d3"), bus.driver("best").orElseThrow().devices());
        assertEquals(3 * 2, core.devres().liveForDriver("best"));
        released.clear();
        int mark = type.log.size();

        close(reg);

        // before close returned: every device unbound, latest first, remove before its devres (LIFO)
        assertEquals(0, core.devres().liveForDriver("best"));
        assertEquals(0, best.live());
        assertEquals(List.of("remove:d3", "irq:d3", "buf:d3", "remove:d2", "irq:d2", "buf:d2",
                "remove:d1", "irq:d1", "buf:d1"), released);
        assertEquals(List.of("remove:best:d3", "remove:best:d2", "remove:best:d1"), type.since(mark, "remove:best"));
        assertEquals(Optional.empty(), bus.driver("best"));
        settle();
        for (String n : List.of("d1", "d2", "d3")) {
            assertEquals(Optional.of("fallback"), bus.device(n).orElseThrow().driver(), n + " reprobed");
        }
        // a closed registration closes once
        reg.close();
        assertEquals(3, fallback.live());
    }

    @Test
    void aProbeInFlightFinishesBeforeCloseReturnsAndIsThenUnbound() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        TestDriver slow = TestDriver.of("slow", "acme:widget:*").probe((dev, drv) -> {
            dev.devres().addAction("irq", () -> order.add("devres released"));
            entered.countDown();
            assertTrue(release.await(20, TimeUnit.SECONDS));
            order.add("probe returned");
            return "slow";
        }).onRemove((dev, data) -> order.add("remove"));
        TestDriver fallback = TestDriver.of("fallback", "acme:*:*");
        DriverRegistration reg = register(slow);
        register(fallback);

        AtomicReference<Device> added = new AtomicReference<>();
        Thread adder = new Thread(() -> added.set(add("d0", "acme:widget:1")), "adder");
        adder.start();
        assertTrue(entered.await(10, TimeUnit.SECONDS));

        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
            close(reg);
            order.add("close returned");
            closed.countDown();
        }, "closer");
        closer.start();
        assertFalse(closed.await(300, TimeUnit.MILLISECONDS), "close() returned while a probe was in flight");
        release.countDown();
        assertTrue(closed.await(20, TimeUnit.SECONDS));
        adder.join(20_000);
        closer.join(20_000);

        // with test driver remove the probe runs twice; what matters is the end of the story
        int end = order.indexOf("close returned");
        assertEquals(List.of("probe returned", "remove", "devres released", "close returned"),
                order.subList(end - 3, end + 1));
        assertEquals(0, slow.live());
        assertEquals(0, core.devres().liveForDriver("slow"));
        settle();
        Device d = bus.device("d0").orElseThrow();
        assertEquals(Optional.of("fallback"), d.driver(), "the device reprobes against the remaining driver");
        assertEquals(List.of("d0"), bus.driver("fallback").orElseThrow().devices());
    }
}
