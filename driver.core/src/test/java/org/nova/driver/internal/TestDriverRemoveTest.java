package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.Uevent;

/** CONFIG_DEBUG_TEST_DRIVER_REMOVE: every bind probes, removes and probes again. */
class TestDriverRemoveTest extends CoreTestBase {

    private TestDriver recording(String name, List<String> order) {
        AtomicInteger n = new AtomicInteger();
        return TestDriver.of(name, "acme:widget:*").probe((dev, drv) -> {
            int i = n.incrementAndGet();
            order.add("probe#" + i);
            dev.devres().addAction("res#" + i, () -> order.add("release#" + i));
            return "data#" + i;
        }).onRemove((dev, data) -> order.add("remove(" + data + ")"));
    }

    @Test
    void eachBindProbesRemovesAndProbesAgain() {
        core.setTestDriverRemove(true);
        assertTrue(core.testDriverRemove());
        List<String> order = new CopyOnWriteArrayList<>();
        register(recording("drv", order));
        Device d = add("d0", "acme:widget:1");
        assertEquals(List.of("probe#1", "remove(data#1)", "release#1", "probe#2"), order);
        assertEquals(Optional.of("data#2"), d.driverData(String.class));
        assertEquals(1, d.devres().liveCount(), "only the second probe's devres is live");
        assertEquals(List.of("res#2"), d.devres().entries().stream().map(e -> e.name()).toList());
        // a manual bind goes through the same dance
        bus.unbind("d0");
        order.clear();
        bus.bind("d0", "drv");
        assertEquals(List.of("probe#3", "remove(data#3)", "release#3", "probe#4"), order);
        // one BIND per bind: the extra remove is not an unbind
        awaitActions("d0", 4);
        assertEquals(2, ueventsOf("d0").stream().filter(r -> r.action() == Uevent.Action.BIND).count());
    }

    @Test
    void offMeansOneProbe() {
        core.setTestDriverRemove(false);
        List<String> order = new CopyOnWriteArrayList<>();
        register(recording("drv", order));
        add("d0", "acme:widget:1");
        assertEquals(List.of("probe#1"), order);
    }
}
