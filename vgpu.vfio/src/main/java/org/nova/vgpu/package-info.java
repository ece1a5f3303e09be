/**
 * The vGPU VFIO driver's device objects for a virtual-machine monitor. Filled by issue 8; nothing is exported yet beyond this package.
 */
@Export
@Version("0.1.0")
package org.nova.vgpu;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
