package org.nova.driver;

import java.util.Objects;

/**
 * A driver as its bus hands it to the core ({@link BusRegistration#registerDriver}).
 *
 * @param name the driver's name, unique on the bus (a duplicate is {@link Errno#EBUSY})
 * @param driver the bus-specific driver object; the core gives it back to {@link BusType}
 * @param bundle the symbolic name of the bundle whose code it is (devres accounting)
 * @param ranking the service.ranking
 * @param serviceId the service.id: the age of the registration
 * @param probeType synchronous or asynchronous initial probes
 */
public record DriverDescriptor(String name, Object driver, String bundle, int ranking, long serviceId,
        ProbeType probeType) {
    public DriverDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(probeType, "probeType");
        if (bundle == null) {
            bundle = "";
        }
    }
}
