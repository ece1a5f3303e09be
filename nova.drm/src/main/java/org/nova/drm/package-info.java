/**
 * The DRM core and its Java client API: {@link org.nova.drm.DrmClass} (devices, minors, the dma-buf
 * fd table), {@link org.nova.drm.DrmDevice} (ioctl dispatch with drm_ioctl.c's rules, GEM,
 * PRIME, sync objects, mmap offsets, unplug), {@link org.nova.drm.DrmFile} (the client's open file),
 * {@link org.nova.drm.NovaDrm} (the nova-drm uAPI: numbers, layouts, typed calls),
 * {@link org.nova.drm.DrmSyncobj} (the core's sync object uAPI) and the
 * {@link org.nova.drm.DrmDevices} service through which programs find devices.
 */
@Export
@Version("2.5.0")
package org.nova.drm;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
