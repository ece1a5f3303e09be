package org.nova.it.testbus;

/**
 * The per-device data the test drivers return from probe, so a test can see which code bound.
 *
 * @param driver the driver name
 * @param version the driver bundle's version
 * @param bundleId the driver bundle's id
 */
public record Bound(String driver, String version, long bundleId) {
}
