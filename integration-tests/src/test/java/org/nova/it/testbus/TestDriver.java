package org.nova.it.testbus;

import java.util.List;

import org.nova.driver.Device;
import org.nova.driver.ProbeType;

/**
 * A driver of the test bus, registered as an OSGi service by a driver bundle (the whiteboard the
 * test bus tracks with {@link org.nova.driver.DriverTracker}).
 *
 * <p>The id table holds exact ids ("widget": specificity {@value #EXACT}) and prefixes ending in
 * '*' ("widget*": specificity {@value #PREFIX}), so an exact driver beats a generic one.
 *
 * @param <D> the driver's per-device data: what {@link #probe} returns and {@link #remove} receives
 */
public interface TestDriver<D> {
    /** Specificity of an exact id match. */
    int EXACT = 2;
    /** Specificity of a prefix match ("widget*"). */
    int PREFIX = 1;

    /** @return the driver name, unique on the bus */
    String name();

    /** @return the id table: exact ids and prefixes ending in '*' */
    List<String> ids();

    /**
     * Binds the device.
     *
     * @return the per-device data, handed back to {@link #remove}
     */
    D probe(Device device) throws Exception;

    /**
     * Lets go of the device; its devres are released right after.
     *
     * @param data what {@link #probe} returned for this device
     */
    void remove(Device device, D data);

    /** @return how the core should run the initial probes */
    default ProbeType probeType() {
        return ProbeType.DEFAULT_STRATEGY;
    }
}
