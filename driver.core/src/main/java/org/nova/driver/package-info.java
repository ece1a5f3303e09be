/**
 * The driver core: buses, devices, drivers and the binding engine, the kernel's
 * {@code drivers/base} as OSGi services.
 *
 * <p>{@link org.nova.driver.DriverCore} is the one service. A bus bundle implements
 * {@link org.nova.driver.BusType} and registers it to get a {@link org.nova.driver.BusRegistration},
 * through which it adds and removes its devices and registers the drivers it tracks (driver
 * bundles publish their drivers as services of the bus's own driver interface;
 * {@link org.nova.driver.DriverTracker} is the whiteboard). Everything else — matching order,
 * probe, deferred probe, device links, unbinding, devres release, uevents — is the core's.
 *
 * <p>A driver component answers each configuration it is given with the configuration answer
 * ({@code org.nova.config.ConfigStatus}): applied, or refused with an errno and a reason.
 */
@Export
@Version("2.3.0")
package org.nova.driver;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
