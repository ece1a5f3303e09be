/**
 * Test support for the PCI bus, for the unit tests and benchmarks of drivers and of the bus
 * itself; never for a driver's main code (a driver gets its BARs from
 * {@link org.nova.bus.pci.PciDevice#iomapRegion}, from nothing else).
 *
 * <p>{@link org.nova.bus.pci.testing.StandalonePciBus} runs the real PCI bus on a driver core
 * outside OSGi ({@code org.nova.driver.testing.StandaloneDriverCore}) over any backend's host
 * bridges, so a unit test drives a real driver on the real bus. {@link org.nova.bus.pci.testing.TestBars}
 * builds {@link org.nova.bus.pci.Bar}s, the real implementation the bus hands out, over a test's
 * own memory or register model.
 */
@Export
@Version("1.0.0")
package org.nova.bus.pci.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
