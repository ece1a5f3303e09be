package org.nova.driver;

import java.util.List;

/**
 * What the core knows of a registered driver, as a snapshot.
 *
 * @param name the driver's name on its bus
 * @param bus the bus name
 * @param bundle the symbolic name of the bundle that registered it
 * @param ranking its service.ranking (higher wins a tie of specificity)
 * @param serviceId its service.id (lower, that is older, wins a tie of ranking)
 * @param probeType how it wants to be probed
 * @param devices the names of the devices bound to it, in bind order
 */
public record DriverInfo(String name, String bus, String bundle, int ranking, long serviceId,
        ProbeType probeType, List<String> devices) {
}
