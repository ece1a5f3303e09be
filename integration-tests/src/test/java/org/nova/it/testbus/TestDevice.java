package org.nova.it.testbus;

import java.util.Objects;

/**
 * The test bus's own object for a device ({@link org.nova.driver.Device#busData()}).
 *
 * @param id the device id the drivers' id tables match; MODALIAS is "testbus:" + id
 */
public record TestDevice(String id) {
    public TestDevice {
        Objects.requireNonNull(id, "id");
    }

    /** @return the kernel-style module alias of the device */
    public String modalias() {
        return TestBusControl.BUS + ":" + id;
    }
}
