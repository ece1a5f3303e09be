/**
 * The nova-core GPU driver's exported services (the firmware command service, VRAM). Filled by issues 5 to 7; nothing is exported yet beyond this package.
 */
@Export
@Version("0.1.0")
package org.nova.gpu;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
