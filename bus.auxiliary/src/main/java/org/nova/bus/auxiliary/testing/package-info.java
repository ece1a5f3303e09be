/**
 * Test support for the auxiliary bus, for the unit tests of split drivers (a parent driver and
 * the auxiliary drivers of its parts) and of the bus itself; never for a driver's main code.
 *
 * <p>{@link org.nova.bus.auxiliary.testing.StandaloneAuxiliaryBus} runs the real auxiliary bus on
 * a driver core outside OSGi ({@code org.nova.driver.testing.StandaloneDriverCore}), beside
 * whatever bus the parent's device is on.
 */
@Export
@Version("1.0.0")
package org.nova.bus.auxiliary.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
