package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;
import org.nova.driver.Uevent;

/** Parents and children; device removal and devres. */
class ParentChildTest extends CoreTestBase {

    @Test
    void childrenAreUnboundBeforeTheParentLatestFirst() {
        register(TestDriver.of("pdrv", "parent:*:*"));
        register(TestDriver.of("kdrv", "kid:*:*"));
        Device p = add("P", "parent:x:1");
        Device k1 = add("K1", p, "kid:x:1");
        Device k2 = add("K2", p, "kid:x:2");
        assertEquals(List.of(k1, k2), p.children());
        assertEquals(Optional.of(p), k1.parent());
        assertEquals("/devices/P/K1", k1.devpath());
        assertTrue(k1.isBound() && k2.isBound() && p.isBound());
        int mark = type.log.size();
        bus.unbind("P");
        assertEquals(List.of("remove:kdrv:K2", "remove:kdrv:K1", "remove:pdrv:P"), type.since(mark, "remove"));
        assertFalse(k1.isBound());
        assertFalse(k2.isBound());
    }

    @Test
    void removingAParentUnbindsItsChildrenButLeavesThemToTheirOwner() {
        register(TestDriver.of("pdrv", "parent:*:*"));
        register(TestDriver.of("kdrv", "kid:*:*"));
        Device p = add("P", "parent:x:1");
        Device k = add("K", p, "kid:x:1");
        int mark = type.log.size();
        bus.removeDevice(p);
        assertEquals(List.of("remove:kdrv:K", "remove:pdrv:P"), type.since(mark, "remove"));
        assertTrue(p.isDead());
        assertFalse(k.isDead());
        assertFalse(k.isBound());
        bus.removeDevice(k);
        bus.removeDevice(k); // removing a dead device does nothing
        assertEquals(List.of(Uevent.Action.ADD, Uevent.Action.BIND, Uevent.Action.UNBIND, Uevent.Action.REMOVE),
                awaitActions("K", 4));
    }

    @Test
    void removingADeviceReleasesItsDevresEvenIfItNeverBound() {
        Device d = add("d0", "nobody:x:1");
        List<String> released = new CopyOnWriteArrayList<>();
        d.devres().addAction("a", () -> released.add("a"));
        d.devres().add("b", () -> released.add("b"));
        assertEquals(2, core.devres().liveForDevice("d0"));
        bus.removeDevice(d);
        assertEquals(List.of("b", "a"), released);
        assertEquals(0, core.devres().liveTotal());
        assertTrue(d.devres().isKilled());
    }

    @Test
    void aProbeMayAddChildrenThatProbeAtOnceAndGoAwayWithTheParentsDevres() {
        register(TestDriver.of("kdrv", "kid:*:*"));
        register(TestDriver.of("pdrv", "parent:*:*").probe((dev, drv) -> {
            Device kid = bus.addDevice(dev.name() + ".aux", dev, new TestBus.TestDev("kid:aux:0"));
            assertTrue(kid.isBound(), "a child added by a probe probes at once");
            dev.devres().addAction("remove child", () -> bus.removeDevice(kid));
            return kid;
        }));
        Device p = add("P", "parent:x:1");
        Device kid = p.driverData(Device.class).orElseThrow();
        assertEquals(Optional.of("kdrv"), kid.driver());
        assertEquals(List.of(kid), p.children());
        int mark = type.log.size();
        bus.unbind("P");
        assertEquals(List.of("remove:kdrv:P.aux", "remove:pdrv:P"), type.since(mark, "remove"));
        assertTrue(kid.isDead());
        assertEquals(List.of(), p.children());
        assertEquals(Optional.empty(), bus.device("P.aux"));
    }
}
