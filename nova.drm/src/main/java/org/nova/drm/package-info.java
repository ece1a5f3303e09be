/**
 * The DRM core and the nova-drm driver's client API. Filled by issue 7; nothing is exported yet beyond this package.
 */
@Export
@Version("0.1.0")
package org.nova.drm;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
