package org.nova.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * A driver's device lists (klist_devices) as intrusive lists through the devices: the order
 * they were added in, removal from anywhere, a device on one list at a time, and driver_detach's
 * choice (the latest bound, else a probing one).
 */
class DriverDevicesTest extends CoreTestBase {

    @Test
    void keepsOrderRemovesFromAnywhereAndHoldsADeviceOnce() {
        DeviceImpl d1 = (DeviceImpl) add("d1", "none:1");
        DeviceImpl d2 = (DeviceImpl) add("d2", "none:2");
        DeviceImpl d3 = (DeviceImpl) add("d3", "none:3");
        DriverDevices devs = new DriverDevices();
        assertNull(devs.nextToDetach());

        devs.probing.add(d1);
        assertSame(d1, devs.nextToDetach(), "only probing: that one");
        devs.probing.remove(d1);
        devs.bound.add(d1);
        devs.bound.add(d2);
        devs.bound.add(d3);
        assertEquals(List.of(d1, d2, d3), devs.bound());
        assertSame(d3, devs.nextToDetach(), "the latest bound first");
        assertThrows(IllegalStateException.class, () -> devs.probing.add(d2), "one list at a time");

        devs.bound.remove(d2);
        assertEquals(List.of(d1, d3), devs.bound());
        assertFalse(devs.bound.contains(d2));
        devs.bound.remove(d2); // not on it: nothing happens
        devs.probing.remove(d1); // on the other list: nothing happens
        assertEquals(2, devs.bound.size());
        devs.bound.remove(d3);
        assertSame(d1, devs.nextToDetach());
        devs.bound.add(d2);
        assertEquals(List.of(d1, d2), devs.bound());
        devs.bound.remove(d1);
        devs.bound.remove(d2);
        assertTrue(devs.bound.isEmpty());
        assertEquals(List.of(), devs.bound());
        assertNull(devs.nextToDetach());
        devs.probing.add(d2);
        assertTrue(devs.probing.contains(d2));
    }
}
