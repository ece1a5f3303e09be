/**
 * Test support: the VFIO backend outside an OSGi framework, for benchmarks and tests that drive a
 * real function bound to vfio-pci. The bridge is the real one (the same device fds, mappings,
 * eventfd interrupts and IOMMU mappings the {@code nova.backend=vfio} service publishes); only its
 * lifetime is the caller's.
 */
@Export
@Version("1.0.0")
package org.nova.hw.vfio.testing;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
