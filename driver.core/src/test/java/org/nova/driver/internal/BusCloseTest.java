package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.nova.driver.BusRegistration;
import org.nova.driver.Device;
import org.nova.driver.DriverException;
import org.nova.driver.Uevent;

/** Unregistering a bus removes every device and drops every driver. */
class BusCloseTest extends CoreTestBase {

    @Test
    void closingTheBusRemovesEveryDeviceAndUnregistersIt() {
        List<String> released = new CopyOnWriteArrayList<>();
        TestDriver drv = TestDriver.of("drv", "acme:*:*").probe((dev, d) -> {
            dev.devres().addAction("irq", () -> released.add("irq:" + dev.name()));
            return "ok";
        });
        register(drv);
        Device b1 = add("b1", "acme:widget:1");
        Device b2 = add("b2", "acme:widget:2");
        Device u1 = add("u1", "nobody:x:1");
        u1.devres().addAction("own", () -> released.add("own:u1"));
        released.clear();
        bus.close();
        for (Device d : List.of(b1, b2, u1)) {
            assertTrue(d.isDead(), d.name());
            assertEquals(Uevent.Action.REMOVE, awaitActions(d.name(), d == u1 ? 2 : 4).getLast());
        }
        assertTrue(released.containsAll(List.of("irq:b1", "irq:b2", "own:u1")), released.toString());
        assertEquals(0, core.devres().liveTotal());
        assertEquals(0, drv.live());
        assertEquals(Optional.empty(), core.bus("test"));
        assertEquals(List.of(), bus.devices());
        assertEquals(List.of(), bus.drivers());
        assertThrows(DriverException.class, () -> add("late", "acme:widget:3"));
        bus.close(); // idempotent
        // the name is free again
        BusRegistration again = core.registerBus(new TestBus("test", core));
        assertEquals(again, core.requireBus("test"));
    }
}
