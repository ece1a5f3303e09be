/**
 * NVIDIA's published interface as data: register map, firmware file formats and the GSP message ABI per firmware version. Filled by the GPU bring-up and GSP RPC work (issues 5 and 6); nothing is exported yet beyond this package.
 */
@Export
@Version("0.1.0")
package org.nova.nvidia;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
