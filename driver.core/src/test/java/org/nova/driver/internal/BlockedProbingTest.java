package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.nova.driver.Device;

/** device_block_probing: the framework's start-up, when every device must meet every driver. */
class BlockedProbingTest extends CoreTestBase {

    @Test
    void devicesAddedWhileBlockedBindToTheMostSpecificDriverOnceUnblocked() {
        core.setProbingBlocked(true);
        TestDriver generic = TestDriver.of("generic", "acme:*:*");
        register(generic);
        Device d1 = add("d1", "acme:widget:1");
        Device d2 = add("d2", "acme:widget:2");
        TestDriver specific = TestDriver.of("specific", "acme:widget:*");
        register(specific);
        Device d3 = add("d3", "acme:widget:3");
        Device g = add("g", "acme:gizmo:1");
        assertFalse(core.waitForDeviceProbe(Duration.ofMillis(50)), "queued devices count as pending");
        for (Device d : List.of(d1, d2, d3, g)) {
            assertFalse(d.isBound());
        }
        assertEquals(0, generic.probeCalls() + specific.probeCalls());

        core.setProbingBlocked(false);
        assertTrue(core.waitForDeviceProbe(SETTLE));
        for (Device d : List.of(d1, d2, d3)) {
            assertEquals(Optional.of("specific"), d.driver(), d.name());
        }
        assertEquals(Optional.of("generic"), g.driver());
        assertEquals(probesPerBind(), generic.probeCalls(), "generic was only tried on the device only it matches");
        await("BIND uevents", () -> bindOrder().size() == 4);
        assertEquals(List.of("d1", "d2", "d3", "g"), bindOrder(), "queued devices attach in the order they came");
    }

    @Test
    void aDeviceRemovedWhileQueuedIsNotPending() {
        core.setProbingBlocked(true);
        register(TestDriver.of("drv", "acme:*:*"));
        Device d = add("d1", "acme:widget:1");
        assertFalse(core.waitForDeviceProbe(Duration.ofMillis(20)));
        bus.removeDevice(d);
        assertTrue(core.waitForDeviceProbe(Duration.ofSeconds(5)));
        core.setProbingBlocked(false);
        assertTrue(core.waitForDeviceProbe(SETTLE));
        assertFalse(d.isBound());
    }
}
