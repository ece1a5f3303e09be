package org.nova.it.testbus;

import org.nova.driver.Bus;
import org.nova.driver.Device;

/** The test's handle on the test bus: devices come and go through it (hotplug). */
public interface TestBusControl {
    /** The bus name. */
    String BUS = "testbus";

    /** Adds a device (device_add); it probes at once if a driver matches. */
    Device add(String name, String id);

    /** Removes a device (device_del) if present. */
    void remove(String name);

    /** Removes every device of the bus. */
    void removeAll();

    /** @return the bus as users see it */
    Bus bus();
}
