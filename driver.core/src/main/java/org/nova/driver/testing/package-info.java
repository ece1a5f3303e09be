/**
 * Test support: the driver core outside an OSGi framework, for the unit tests of buses and drivers
 * and for benchmarks. The core is the real one (the same binding engine, devres accounting and
 * uevents the {@code DriverCore} service runs), only its lifetime is the caller's.
 */
@Export
@Version("1.0.0")
package org.nova.driver.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
